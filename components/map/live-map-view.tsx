"use client";

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef, useState } from "react";
import { MapContainer, TileLayer, useMap } from "react-leaflet";
import type { StationPin } from "@/lib/org/stations-in-scope";
import type { FleetStore } from "./fleet-store";
import { textLabel } from "./text-label";
import { FOLLOWED_TRAIL_MS, TrailBook, type TrailPoint } from "./trail-book";
import { TrailLayer } from "./trail-layer";
import { VehicleLayer } from "./vehicle-layer";

/** Following a patrol zooms in at least this far (street level, where call-sign labels show). */
const FOLLOW_ZOOM = 15;

/** Where the map opens when the scope has no stations: Kochi. */
const FALLBACK_CENTER: L.LatLngTuple = [9.9816, 76.2999];

export interface LiveMapViewProps {
  store: FleetStore;
  stations: StationPin[];
  tileUrl: string;
  /** The patrol being followed, or null. */
  followId: number | null;
  onSelect(patrolId: number): void;
  /** The user panned: stop following. */
  onUserPan(): void;
  /** Show every vehicle's short trail (the followed one always has its own). */
  showTrails: boolean;
}

/**
 * The followed patrol's stored points of the last 15 minutes (the track API), merged into its trail: before the
 * page opened, or while the connection was down. Failures leave the live trail as it is.
 */
async function backfillTrail(book: TrailBook, patrolId: number): Promise<boolean> {
  const to = Date.now();
  const res = await fetch(`/api/patrols/${patrolId}/track?from=${to - FOLLOWED_TRAIL_MS}&to=${to}`).catch(() => null);
  if (!res?.ok) return false;
  const body = (await res.json().catch(() => null)) as { points?: TrailPoint[] } | null;
  if (!body?.points) return false;
  book.backfill(patrolId, body.points);
  return true;
}

function StationPins({ stations }: { stations: StationPin[] }) {
  const map = useMap();
  // The view is fitted to the stations once, when the map opens: never again over a view the user (or a follow)
  // chose. Without animation: a zoom animation still running would, when it ends, undo a follow clicked meanwhile.
  const fitted = useRef(false);
  useEffect(() => {
    const group = L.layerGroup(
      stations.map((s) =>
        L.circleMarker([s.lat, s.lon], { radius: 4, color: "#9db4d6", weight: 1, fillColor: "#2b4163", fillOpacity: 1 }).bindTooltip(
          textLabel({ text: s.name }, " (", { text: s.code }, ")"),
        ),
      ),
    ).addTo(map);
    if (stations.length > 0 && !fitted.current) map.fitBounds(L.latLngBounds(stations.map((s) => [s.lat, s.lon])), { padding: [40, 40], maxZoom: 15, animate: false });
    fitted.current = true;
    return () => void group.remove();
  }, [map, stations]);
  return null;
}

function Vehicles({ store, followId, onSelect, onUserPan, showTrails }: Omit<LiveMapViewProps, "stations" | "tileUrl">) {
  const map = useMap();
  const layerRef = useRef<VehicleLayer | null>(null);
  const trailsRef = useRef<{ book: TrailBook; layer: TrailLayer } | null>(null);
  const followRef = useRef(followId);
  const showTrailsRef = useRef(showTrails);
  /** A follow began and has not zoomed in yet (its patrol had no position at that moment). */
  const zoomPendingRef = useRef(false);
  const callbacks = useRef({ onSelect, onUserPan });
  useEffect(() => {
    callbacks.current = { onSelect, onUserPan };
  }, [onSelect, onUserPan]);

  useEffect(() => {
    const layer = new VehicleLayer(map, (id) => callbacks.current.onSelect(id));
    layerRef.current = layer;
    const book = new TrailBook();
    const trails = new TrailLayer(map, book);
    trailsRef.current = { book, layer: trails };
    window.__sentinelMap = map;
    window.__sentinelTrails = trails;
    const view = () => ({ followed: followRef.current, showAll: showTrailsRef.current, now: Date.now() });
    const render = (slide = false) => {
      const { patrols } = store.getState();
      layer.sync(patrols, Date.now());
      book.observe(patrols);
      trails.draw(view(), slide);
      const followed = followRef.current === null ? undefined : patrols.get(followRef.current)?.last;
      if (followed && zoomPendingRef.current) {
        zoomPendingRef.current = false;
        map.setView([followed.lat, followed.lon], Math.max(map.getZoom(), FOLLOW_ZOOM), { animate: false });
      } else if (followed) map.panTo([followed.lat, followed.lon], { animate: false });
    };
    render();
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.version !== previous.version) render();
      // Back from a dropped connection: fill the followed trail's gap from the stored track.
      if (state.status === "live" && previous.status === "reconnecting" && followRef.current !== null) {
        void backfillTrail(book, followRef.current).then((filled) => filled && trails.draw(view()));
      }
    });
    // Freshness (live → stale → offline) and the trails' windows change with time alone: redraw every few seconds.
    const tick = setInterval(() => render(true), 5_000);
    const onDrag = () => callbacks.current.onUserPan();
    map.on("dragstart", onDrag);
    return () => {
      unsubscribe();
      clearInterval(tick);
      map.off("dragstart", onDrag);
      layer.destroy();
      trails.destroy();
    };
  }, [map, store]);

  useEffect(() => {
    followRef.current = followId;
    layerRef.current?.select(followId);
    const p = followId === null ? undefined : store.getState().patrols.get(followId)?.last;
    zoomPendingRef.current = followId !== null && !p;
    if (p) map.setView([p.lat, p.lon], Math.max(map.getZoom(), FOLLOW_ZOOM), { animate: false });
    layerRef.current?.sync(store.getState().patrols, Date.now());
    const trails = trailsRef.current;
    if (!trails) return;
    const view = () => ({ followed: followId, showAll: showTrailsRef.current, now: Date.now() });
    trails.layer.draw(view(), true);
    // Its last 15 minutes from the stored track; the live feed extends it from there.
    if (followId !== null) void backfillTrail(trails.book, followId).then((filled) => filled && followRef.current === followId && trails.layer.draw(view()));
  }, [followId, map, store]);

  useEffect(() => {
    showTrailsRef.current = showTrails;
    trailsRef.current?.layer.draw({ followed: followRef.current, showAll: showTrails, now: Date.now() }, true);
  }, [showTrails]);

  return null;
}

/** The Leaflet map: tiles (optional: markers stay usable on a plain background), station pins, vehicles. */
export default function LiveMapView({ store, stations, tileUrl, followId, onSelect, onUserPan, showTrails }: LiveMapViewProps) {
  // One canvas for station pins and vehicles alike: a canvas on top of another takes every mouse event, so a
  // second one hid the station pins' tooltips. The padding keeps markers drawn through short pans.
  const [renderer] = useState(() => L.canvas({ padding: 0.3 }));
  return (
    <MapContainer center={FALLBACK_CENTER} zoom={12} renderer={renderer} className="live-map" aria-label="Live map of patrol vehicles">
      <TileLayer url={tileUrl} attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' />
      <StationPins stations={stations} />
      <Vehicles store={store} followId={followId} onSelect={onSelect} onUserPan={onUserPan} showTrails={showTrails} />
    </MapContainer>
  );
}

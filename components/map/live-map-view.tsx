"use client";

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef, useState } from "react";
import { MapContainer, TileLayer, useMap } from "react-leaflet";
import type { StationPin } from "@/lib/org/stations-in-scope";
import type { FleetStore } from "./fleet-store";
import { textLabel } from "./text-label";
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

function Vehicles({ store, followId, onSelect, onUserPan }: Omit<LiveMapViewProps, "stations" | "tileUrl">) {
  const map = useMap();
  const layerRef = useRef<VehicleLayer | null>(null);
  const followRef = useRef(followId);
  /** A follow began and has not zoomed in yet (its patrol had no position at that moment). */
  const zoomPendingRef = useRef(false);
  const callbacks = useRef({ onSelect, onUserPan });
  useEffect(() => {
    callbacks.current = { onSelect, onUserPan };
  }, [onSelect, onUserPan]);

  useEffect(() => {
    const layer = new VehicleLayer(map, (id) => callbacks.current.onSelect(id));
    layerRef.current = layer;
    window.__sentinelMap = map;
    const render = () => {
      const { patrols } = store.getState();
      layer.sync(patrols, Date.now());
      const followed = followRef.current === null ? undefined : patrols.get(followRef.current)?.last;
      if (followed && zoomPendingRef.current) {
        zoomPendingRef.current = false;
        map.setView([followed.lat, followed.lon], Math.max(map.getZoom(), FOLLOW_ZOOM), { animate: false });
      } else if (followed) map.panTo([followed.lat, followed.lon], { animate: false });
    };
    render();
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.version !== previous.version) render();
    });
    // Freshness (live → stale → offline) changes with time alone: recolour every few seconds.
    const tick = setInterval(render, 5_000);
    const onDrag = () => callbacks.current.onUserPan();
    map.on("dragstart", onDrag);
    return () => {
      unsubscribe();
      clearInterval(tick);
      map.off("dragstart", onDrag);
      layer.destroy();
    };
  }, [map, store]);

  useEffect(() => {
    followRef.current = followId;
    layerRef.current?.select(followId);
    const p = followId === null ? undefined : store.getState().patrols.get(followId)?.last;
    zoomPendingRef.current = followId !== null && !p;
    if (p) map.setView([p.lat, p.lon], Math.max(map.getZoom(), FOLLOW_ZOOM), { animate: false });
    layerRef.current?.sync(store.getState().patrols, Date.now());
  }, [followId, map, store]);

  return null;
}

/** The Leaflet map: tiles (optional: markers stay usable on a plain background), station pins, vehicles. */
export default function LiveMapView({ store, stations, tileUrl, followId, onSelect, onUserPan }: LiveMapViewProps) {
  // One canvas for station pins and vehicles alike: a canvas on top of another takes every mouse event, so a
  // second one hid the station pins' tooltips. The padding keeps markers drawn through short pans.
  const [renderer] = useState(() => L.canvas({ padding: 0.3 }));
  return (
    <MapContainer center={FALLBACK_CENTER} zoom={12} renderer={renderer} className="live-map" aria-label="Live map of patrol vehicles">
      <TileLayer url={tileUrl} attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' />
      <StationPins stations={stations} />
      <Vehicles store={store} followId={followId} onSelect={onSelect} onUserPan={onUserPan} />
    </MapContainer>
  );
}

"use client";

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef, useState } from "react";
import { MapContainer, TileLayer, useMap } from "react-leaflet";
import type { StationPin } from "@/lib/org/stations-in-scope";
import type { PatrolView } from "@/lib/realtime/protocol";
import { AggregateLayer } from "./aggregate-layer";
import { ALERT_KIND_LABEL, boundaryRings } from "./control-room-format";
import { ageingClock, type FleetState, type FleetStore } from "./fleet-store";
import { patchCanvas } from "./patch-canvas";
import { patrolMatcher, type PatrolFilter } from "./patrol-triage";
import { textLabel } from "./text-label";
import { FOLLOWED_TRAIL_MS, TrailBook, type TrailPoint } from "./trail-book";
import { TrailLayer } from "./trail-layer";
import { showsAggregates } from "./unit-aggregates";
import { VehicleLayer } from "./vehicle-layer";

/** Following a patrol zooms in at least this far (street level, where call-sign labels show). */
const FOLLOW_ZOOM = 15;

/** A point to show: the map centres on it (zooming in to at least `FOLLOW_ZOOM`) each time `seq` changes. */
export interface MapFocus {
  lat: number;
  lon: number;
  seq: number;
}

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
  /** Centre here (an SOS of a unit no longer on the map, an alert the user picked); null: nothing asked. */
  focus: MapFocus | null;
  /** Right-click or long-press on the map: the point, for "nearest units here". */
  onProbe(lat: number, lon: number): void;
  /** The point being probed, marked on the map; null: none. */
  probe: { lat: number; lon: number } | null;
  /** The list's filter: the map shows the same units (and the followed one whatever the filter). */
  filter: PatrolFilter;
  stationName(stationId: number): string;
  /** After a lost connection, the followed trail's gap was filled from the stored track. */
  onTrailRefilled(): void;
}

/** The ageing clock of the store's present state. */
const clockOf = (state: FleetState) => ageingClock(state.status, state.lastFrameAt, Date.now());

/** Station pins grow with the zoom (radius in px by zoom) and carry their name from `STATION_LABEL_MIN_ZOOM`. */
const stationPinRadius = (zoom: number) => (zoom >= 15 ? 9 : zoom >= 13 ? 7 : zoom >= 11 ? 5 : 4);
const STATION_LABEL_MIN_ZOOM = 13;
const STATION_LABEL_OPTIONS: L.TooltipOptions = { direction: "bottom", offset: L.point(0, 6), className: "station-label" };

/** Patrols with an SOS not yet resolved: their markers carry the alarm ring. */
function alarmedPatrols(alerts: FleetState["alerts"]): Set<number> {
  const ids = new Set<number>();
  for (const a of alerts.values()) if (a.kind === "SOS") ids.add(a.patrolId);
  return ids;
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

/**
 * The scope's stations: a pin each (a ringed square, unlike any vehicle glyph), growing with the zoom, and from
 * street level up its name and code as a label, so the map has bearings even on a plain background.
 */
function StationPins({ stations }: { stations: StationPin[] }) {
  const map = useMap();
  // The view is fitted to the stations once, when the map opens: never again over a view the user (or a follow)
  // chose. Without animation: a zoom animation still running would, when it ends, undo a follow clicked meanwhile.
  const fitted = useRef(false);
  useEffect(() => {
    const pins = stations.map((s) =>
      L.circleMarker([s.lat, s.lon], { radius: stationPinRadius(map.getZoom()), color: "#e8eef7", weight: 2, fillColor: "#2b4163", fillOpacity: 1 }).bindTooltip(
        textLabel({ text: s.name }, " (", { text: s.code }, ")"),
        STATION_LABEL_OPTIONS,
      ),
    );
    const group = L.layerGroup(pins).addTo(map);
    const scale = () => {
      const zoom = map.getZoom();
      const labelled = zoom >= STATION_LABEL_MIN_ZOOM;
      for (const pin of pins) {
        pin.setRadius(stationPinRadius(zoom));
        const tooltip = pin.getTooltip();
        if (!tooltip || tooltip.options.permanent === labelled) continue;
        const content = tooltip.getContent() as HTMLElement;
        pin.unbindTooltip();
        pin.bindTooltip(content, { ...STATION_LABEL_OPTIONS, permanent: labelled });
      }
    };
    map.on("zoomend", scale);
    if (stations.length > 0 && !fitted.current) map.fitBounds(L.latLngBounds(stations.map((s) => [s.lat, s.lon])), { padding: [40, 40], maxZoom: 15, animate: false });
    fitted.current = true;
    scale();
    return () => {
      map.off("zoomend", scale);
      group.remove();
    };
  }, [map, stations]);
  return null;
}

/**
 * The stations' jurisdictions as thin dashed outlines on a canvas of their own, below the trails and vehicles,
 * never in the way of a click: they frame the map, they do not hide a vehicle.
 */
function Boundaries({ stations }: { stations: StationPin[] }) {
  const map = useMap();
  useEffect(() => {
    const pane = map.getPane("boundaries") ?? map.createPane("boundaries");
    pane.style.zIndex = "320";
    pane.style.pointerEvents = "none";
    const renderer = L.canvas({ pane: "boundaries", padding: 0.3 });
    const outlines = stations.flatMap((s) => {
      const rings = boundaryRings(s.boundary);
      return rings ? [L.polygon(rings, { renderer, color: "#9db4d6", weight: 1.5, opacity: 0.75, dashArray: "6 4", fill: false, interactive: false })] : [];
    });
    const group = L.layerGroup(outlines).addTo(map);
    window.__sentinelBoundaries = outlines.length;
    return () => void group.remove();
  }, [map, stations]);
  return null;
}

/** SOS alerts whose unit is not on the map (its patrol ended, or it has no position): a red pin where it was raised. */
function OrphanAlertPins({ store }: { store: FleetStore }) {
  const map = useMap();
  useEffect(() => {
    const group = L.layerGroup().addTo(map);
    const draw = ({ alerts, patrols }: FleetState) => {
      group.clearLayers();
      for (const a of alerts.values()) {
        if (a.kind !== "SOS" || a.lat === null || a.lon === null || patrols.get(a.patrolId)?.last) continue;
        L.circleMarker([a.lat, a.lon], { radius: 9, color: "#ff3b3b", weight: 3, fillColor: "#ff3b3b", fillOpacity: 0.35 })
          .bindTooltip(textLabel(`${ALERT_KIND_LABEL[a.kind]} `, { text: a.callSign }))
          .addTo(group);
      }
    };
    // Which SOS alerts need a pin: redrawn when that changes (an alert came or went, its unit got or lost a marker).
    const pinned = ({ alerts, patrols }: FleetState) =>
      [...alerts.values()].filter((a) => a.kind === "SOS" && !patrols.get(a.patrolId)?.last).map((a) => a.alertId).join();
    let drawn = pinned(store.getState());
    draw(store.getState());
    const unsubscribe = store.subscribe((state) => {
      const now = pinned(state);
      if (now !== drawn) {
        drawn = now;
        draw(state);
      }
    });
    return () => {
      unsubscribe();
      group.remove();
    };
  }, [map, store]);
  return null;
}

/** Centres on `focus` when it changes; marks the probed point; reports right-clicks and long-presses. */
function Pointer({ focus, probe, onProbe }: Pick<LiveMapViewProps, "focus" | "probe" | "onProbe">) {
  const map = useMap();
  const onProbeRef = useRef(onProbe);
  useEffect(() => {
    onProbeRef.current = onProbe;
  }, [onProbe]);
  useEffect(() => {
    // Leaflet turns a touch long-press into `contextmenu` too (`tapHold` on the map).
    const handler = (e: L.LeafletMouseEvent) => onProbeRef.current(e.latlng.lat, e.latlng.lng);
    map.on("contextmenu", handler);
    // The map's box changes when a panel opens beside it: Leaflet must know, or it keeps drawing for the old size.
    // It keeps the same centre (Leaflet pans by half the change), so a unit centred for an SOS stays centred.
    const resize = new ResizeObserver(() => map.invalidateSize({ animate: false }));
    resize.observe(map.getContainer());
    return () => {
      map.off("contextmenu", handler);
      resize.disconnect();
    };
  }, [map]);
  useEffect(() => {
    if (focus) map.setView([focus.lat, focus.lon], Math.max(map.getZoom(), FOLLOW_ZOOM), { animate: false });
  }, [map, focus]);
  useEffect(() => {
    if (!probe) return;
    const mark = L.circleMarker([probe.lat, probe.lon], { radius: 7, color: "#ffffff", weight: 2, dashArray: "3 3", fill: false, interactive: false }).addTo(map);
    return () => void mark.remove();
  }, [map, probe]);
  return null;
}

/**
 * Moved vehicles are drawn together at most this often (200 ms): each frame in which the canvas changes costs the
 * page a copy and composite of the whole canvas (software rendering, no GPU), whatever little was redrawn on it.
 * Zoomed in over a district with 5,000 vehicles reporting, drawing moves every animation frame gave frames of 50–70 ms
 * (`npm run bench -- --map`). Vehicles report every second or two, so a position shows at most this much later.
 */
const MOVES_EVERY_MS = 200;

/** Keys with which Leaflet pans the map (its keyboard handler): panning by keyboard stops following like a drag does. */
const PAN_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"]);

/**
 * The vehicles: a marker each, or at city zoom with a large fleet (`showsAggregates`) an aggregate per station or
 * group of stations, with the units under an SOS and the followed one still drawn as markers on top, so neither is
 * ever hidden inside a count. Both layers follow the store per animation frame without React.
 */
function Vehicles({
  store,
  stations,
  followId,
  onSelect,
  onUserPan,
  showTrails,
  filter,
  stationName,
  onTrailRefilled,
}: Pick<LiveMapViewProps, "store" | "stations" | "followId" | "onSelect" | "onUserPan" | "showTrails" | "filter" | "stationName" | "onTrailRefilled">) {
  const map = useMap();
  const layerRef = useRef<VehicleLayer | null>(null);
  const aggregatesRef = useRef<AggregateLayer | null>(null);
  const stationsRef = useRef(stations);
  const trailsRef = useRef<{ book: TrailBook; layer: TrailLayer } | null>(null);
  const followRef = useRef(followId);
  const showTrailsRef = useRef(showTrails);
  /** A follow began and has not zoomed in yet (its patrol had no position at that moment). */
  const zoomPendingRef = useRef(false);
  const callbacks = useRef({ onSelect, onUserPan, onTrailRefilled });
  useEffect(() => {
    callbacks.current = { onSelect, onUserPan, onTrailRefilled };
  }, [onSelect, onUserPan, onTrailRefilled]);
  const filterRef = useRef({ filter, stationName });
  /** Redraws the markers now (the filter changed); set once the layer exists. */
  const resyncRef = useRef<() => void>(() => {});

  useEffect(() => {
    const layer = new VehicleLayer(map, (id) => callbacks.current.onSelect(id));
    layerRef.current = layer;
    const aggregates = new AggregateLayer(map);
    aggregates.setStations(stationsRef.current);
    aggregatesRef.current = aggregates;
    const book = new TrailBook();
    const trails = new TrailLayer(map, book);
    trailsRef.current = { book, layer: trails };
    window.__sentinelMap = map;
    window.__sentinelTrails = trails;
    window.__sentinelVehicles = layer;
    const view = () => ({ followed: followRef.current, showAll: showTrailsRef.current, now: Date.now() });
    /** What the markers were last brought in line with besides the patrols: when it changes, every marker is revisited. */
    let synced: { alerts: FleetState["alerts"]; alarmed: Set<number>; aggregated: boolean } | null = null;
    /** Counts the units into the aggregates, then draws the markers: every one, or at city zoom only those no count may hide. */
    const syncMarkers = (full = true) => {
      const state = store.getState();
      const clock = clockOf(state);
      const matches = patrolMatcher(filterRef.current.filter, clock, filterRef.current.stationName);
      const followed = followRef.current;
      const shown = (p: PatrolView) => p.patrolId === followed || matches(p);
      const alarmed = synced?.alerts === state.alerts ? synced.alarmed : alarmedPatrols(state.alerts);
      const aggregated = showsAggregates(map.getZoom(), aggregates.count(state.patrols, alarmed, shown));
      aggregates.display(aggregated);
      const drawn = aggregated ? (p: PatrolView) => shown(p) && (p.patrolId === followed || alarmed.has(p.patrolId) || !aggregates.covers(p)) : shown;
      const changedOnly = !full && synced !== null && synced.alarmed === alarmed && synced.aggregated === aggregated;
      layer.sync(state.patrols, clock, alarmed, drawn, changedOnly);
      synced = { alerts: state.alerts, alarmed, aggregated };
    };
    resyncRef.current = syncMarkers;
    const render = (slide = false) => {
      const { patrols } = store.getState();
      // A batch of frames moves a few markers; the five-second tick (slide) revisits all of them for their freshness.
      syncMarkers(slide);
      book.observe(patrols);
      trails.draw(view(), slide);
      const followed = followRef.current === null ? undefined : patrols.get(followRef.current)?.last;
      if (followed && zoomPendingRef.current) {
        zoomPendingRef.current = false;
        map.setView([followed.lat, followed.lon], Math.max(map.getZoom(), FOLLOW_ZOOM), { animate: false });
      } else if (followed) map.panTo([followed.lat, followed.lon], { animate: false });
    };
    render();
    let lastRender = performance.now();
    let pending: ReturnType<typeof setTimeout> | undefined;
    /** New positions: drawn together, at most every MOVES_EVERY_MS. */
    const renderMoves = () => {
      pending ??= setTimeout(
        () => {
          pending = undefined;
          lastRender = performance.now();
          render();
        },
        Math.max(0, lastRender + MOVES_EVERY_MS - performance.now()),
      );
    };
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.version !== previous.version) {
        // Every new position goes into the trails at once (a trail is the positions seen, one per move), even when
        // drawing it waits for the next render or the browser holds timers back.
        book.observe(state.patrols);
        renderMoves();
      }
      // Back from a dropped connection: fill the followed trail's gap from the stored track.
      const back = state.status === "live" && (previous.status === "reconnecting" || previous.status === "offline");
      if (back && followRef.current !== null) {
        void backfillTrail(book, followRef.current).then((filled) => {
          if (!filled) return;
          trails.draw(view());
          callbacks.current.onTrailRefilled();
        });
      }
      // Lost or back: the ageing clock stopped or runs again.
      if (state.status !== previous.status) render(true);
    });
    // Freshness (live → stale → offline) and the trails' windows change with time alone: redraw every few seconds.
    const tick = setInterval(() => render(true), 5_000);
    const onDrag = () => callbacks.current.onUserPan();
    map.on("dragstart", onDrag);
    // Stations overlap differently at each zoom, and the aggregates give way to markers past `AGGREGATE_MAX_ZOOM`.
    const onZoom = () => {
      aggregates.recluster();
      syncMarkers();
    };
    const onMove = () => aggregates.refreshView();
    map.on("zoomend", onZoom);
    map.on("moveend", onMove);
    // Leaflet pans on arrow keys while the map has focus: that is the user taking over, as with a drag.
    const onKey = (e: KeyboardEvent) => {
      if (!PAN_KEYS.has(e.key) || followRef.current === null) return;
      followRef.current = null;
      callbacks.current.onUserPan();
    };
    const container = map.getContainer();
    container.addEventListener("keydown", onKey);
    return () => {
      unsubscribe();
      clearTimeout(pending);
      clearInterval(tick);
      map.off("dragstart", onDrag);
      map.off("zoomend", onZoom);
      map.off("moveend", onMove);
      container.removeEventListener("keydown", onKey);
      layer.destroy();
      aggregates.destroy();
      trails.destroy();
    };
  }, [map, store]);

  useEffect(() => {
    followRef.current = followId;
    layerRef.current?.select(followId);
    const p = followId === null ? undefined : store.getState().patrols.get(followId)?.last;
    zoomPendingRef.current = followId !== null && !p;
    if (p) map.setView([p.lat, p.lon], Math.max(map.getZoom(), FOLLOW_ZOOM), { animate: false });
    resyncRef.current();
    const trails = trailsRef.current;
    if (!trails) return;
    const view = () => ({ followed: followId, showAll: showTrailsRef.current, now: Date.now() });
    trails.layer.draw(view(), true);
    // Its last 15 minutes from the stored track; the live feed extends it from there.
    if (followId !== null) void backfillTrail(trails.book, followId).then((filled) => filled && followRef.current === followId && trails.layer.draw(view()));
  }, [followId, map, store]);

  useEffect(() => {
    filterRef.current = { filter, stationName };
    resyncRef.current();
  }, [filter, stationName]);

  useEffect(() => {
    stationsRef.current = stations;
    aggregatesRef.current?.setStations(stations);
    resyncRef.current();
  }, [stations]);

  useEffect(() => {
    showTrailsRef.current = showTrails;
    trailsRef.current?.layer.draw({ followed: followRef.current, showAll: showTrails, now: Date.now() }, true);
  }, [showTrails]);

  return null;
}

/**
 * The Leaflet map: tiles (optional: markers stay usable on a plain background, and a notice says the tiles failed),
 * jurisdictions, station pins, vehicles, alerts.
 */
export default function LiveMapView(props: LiveMapViewProps) {
  const { store, stations, tileUrl, followId, onSelect, onUserPan, showTrails, focus, probe, onProbe, filter, stationName, onTrailRefilled } = props;
  // One canvas for station pins and vehicles alike: a canvas on top of another takes every mouse event, so a
  // second one hid the station pins' tooltips. The padding keeps markers drawn through short pans; moved markers
  // redraw their own patches (patch-canvas.ts).
  const [renderer] = useState(() => patchCanvas({ padding: 0.3 }));
  // A tile that loads clears the notice: a server that was down and came back, or a few tiles missing at the edge.
  const [tilesFailed, setTilesFailed] = useState(false);
  const [tileEvents] = useState<L.LeafletEventHandlerFnMap>(() => ({ tileerror: () => setTilesFailed(true), tileload: () => setTilesFailed(false) }));
  return (
    <>
    <MapContainer id="live-map" center={FALLBACK_CENTER} zoom={12} renderer={renderer} tapHold className="live-map" aria-label="Live map of patrol vehicles">
      <TileLayer url={tileUrl} eventHandlers={tileEvents} attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' />
      <Boundaries stations={stations} />
      <StationPins stations={stations} />
      <OrphanAlertPins store={store} />
      <Pointer focus={focus} probe={probe} onProbe={onProbe} />
      <Vehicles
        store={store}
        stations={stations}
        followId={followId}
        onSelect={onSelect}
        onUserPan={onUserPan}
        showTrails={showTrails}
        filter={filter}
        stationName={stationName}
        onTrailRefilled={onTrailRefilled}
      />
    </MapContainer>
    {tilesFailed && (
      <p className="tiles-failed" role="status" data-testid="tiles-failed">
        Map tiles unavailable — showing positions on a plain background
      </p>
    )}
    </>
  );
}

import { UNIT_STATUSES, type UnitStatus } from "@/lib/realtime/protocol";
import { DUTY } from "./control-room-format";

/**
 * Units counted per station, and stations grouped when they would overlap on screen: what the map shows instead of
 * individual vehicles at city zoom. No Leaflet or DOM here: the aggregate layer and the unit tests share it.
 */

/** At this zoom and below, a large fleet is shown as aggregates (13: a few streets per aggregate). */
export const AGGREGATE_MAX_ZOOM = 13;
/** Aggregates are shown when the map would otherwise draw more units than this (100): fewer stay readable as markers. */
export const AGGREGATE_MIN_UNITS = 100;
/** Stations nearer each other than this on screen share one aggregate (36 px: about an aggregate's width). */
export const CLUSTER_RADIUS_PX = 36;

/** True when the map shows aggregates: zoomed out to `AGGREGATE_MAX_ZOOM` or beyond, with more than `AGGREGATE_MIN_UNITS` units to show. */
export function showsAggregates(zoom: number, units: number): boolean {
  return zoom <= AGGREGATE_MAX_ZOOM && units > AGGREGATE_MIN_UNITS;
}

/** A station at its position on screen (pixels of the map's world at one zoom). */
export interface ScreenStation {
  id: number;
  x: number;
  y: number;
}

/** Stations grouped at one zoom: `members[i]` are the indexes (into the input) of cluster i's stations, seed first. */
export interface StationClusters {
  members: number[][];
  /** Cluster index of each input station. */
  clusterOf: Int32Array;
}

/**
 * Groups stations that would overlap on screen: in input order, each station not yet taken seeds a cluster and
 * takes every untaken station within `radiusPx` of it. A grid of `radiusPx` cells keeps it near linear (2,000
 * stations: about a millisecond). Deterministic: the same stations in the same order give the same clusters.
 */
export function clusterStations(stations: readonly ScreenStation[], radiusPx = CLUSTER_RADIUS_PX): StationClusters {
  const cell = (v: number) => Math.floor(v / radiusPx);
  const grid = new Map<string, number[]>();
  stations.forEach((s, i) => {
    const key = `${cell(s.x)},${cell(s.y)}`;
    const list = grid.get(key);
    if (list) list.push(i);
    else grid.set(key, [i]);
  });
  const clusterOf = new Int32Array(stations.length).fill(-1);
  const members: number[][] = [];
  const r2 = radiusPx * radiusPx;
  stations.forEach((seed, i) => {
    if (clusterOf[i] !== -1) return;
    const cluster = members.length;
    const taken = [i];
    clusterOf[i] = cluster;
    const cx = cell(seed.x);
    const cy = cell(seed.y);
    for (let gx = cx - 1; gx <= cx + 1; gx++) {
      for (let gy = cy - 1; gy <= cy + 1; gy++) {
        for (const j of grid.get(`${gx},${gy}`) ?? []) {
          if (clusterOf[j] !== -1) continue;
          const s = stations[j]!;
          if ((s.x - seed.x) ** 2 + (s.y - seed.y) ** 2 > r2) continue;
          clusterOf[j] = cluster;
          taken.push(j);
        }
      }
    }
    members.push(taken);
  });
  return { members, clusterOf };
}

/** What one aggregate counts. */
export interface AggregateTally {
  units: number;
  duty: Record<UnitStatus, number>;
  /** Units with an SOS not yet resolved. */
  sos: number;
}

/** A tally of nothing. */
export function emptyTally(): AggregateTally {
  return { units: 0, duty: { AVAILABLE: 0, EN_ROUTE: 0, ON_SCENE: 0, BUSY: 0 }, sos: 0 };
}

/** True when two tallies count the same. */
export function sameTally(a: AggregateTally, b: AggregateTally): boolean {
  return a.units === b.units && a.sos === b.sos && UNIT_STATUSES.every((s) => a.duty[s] === b.duty[s]);
}

/**
 * The aggregate's ring: a conic gradient with one arc per duty status, in `UNIT_STATUSES` order, sized by its share
 * and coloured as the markers' duty badges are.
 */
export function dutyRing(tally: AggregateTally): string {
  if (tally.units === 0) return "transparent";
  const stops: string[] = [];
  let from = 0;
  for (const status of UNIT_STATUSES) {
    const n = tally.duty[status];
    if (n === 0) continue;
    const to = from + (n / tally.units) * 100;
    stops.push(`${DUTY[status].color} ${round2(from)}% ${round2(to)}%`);
    from = to;
  }
  return `conic-gradient(${stops.join(", ")})`;
}

/**
 * What the aggregate says to a screen reader (and on hover): "42 patrols at Station 0005 and 3 nearby stations:
 * 30 available, 6 en route, 3 on scene, 3 busy. 1 SOS. Zoom in." — every duty status present, by the sidebar's labels.
 */
export function aggregateLabel(tally: AggregateTally, place: { name: string; others: number }): string {
  const units = `${tally.units} ${tally.units === 1 ? "patrol" : "patrols"}`;
  const where = place.others === 0 ? `at ${place.name}` : `at ${place.name} and ${place.others} nearby ${place.others === 1 ? "station" : "stations"}`;
  const duty = UNIT_STATUSES.filter((s) => tally.duty[s] > 0).map((s) => `${tally.duty[s]} ${DUTY[s].label.toLowerCase()}`);
  const sos = tally.sos > 0 ? ` ${tally.sos} SOS.` : "";
  return `${units} ${where}: ${duty.join(", ")}.${sos} Zoom in.`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

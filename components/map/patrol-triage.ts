import type { PatrolView, UnitStatus } from "@/lib/realtime/protocol";
import { DUTY } from "./control-room-format";
import { freshnessOf, type Freshness } from "./fleet-store";

/**
 * What the commander narrowed the fleet to, and in which order the list shows it. No React, Leaflet or DOM here:
 * the sidebar, the map's vehicle layer and the unit tests share it, so the map and the list always show the same units.
 */

/** The filters the list and the map share. Empty query and nulls: everything. */
export interface PatrolFilter {
  /** Matched against call sign and station name, case-insensitively. */
  query: string;
  freshness: Freshness | null;
  duty: UnitStatus | null;
}

/** No filter at all. */
export const NO_FILTER: PatrolFilter = { query: "", freshness: null, duty: null };

/** True when the filter narrows anything. */
export function isFiltered(filter: PatrolFilter): boolean {
  return filter.query.trim() !== "" || filter.freshness !== null || filter.duty !== null;
}

/** A predicate for `filter` at ageing clock `now` (freshness depends on it). */
export function patrolMatcher(filter: PatrolFilter, now: number, stationName: (stationId: number) => string): (p: PatrolView) => boolean {
  const q = filter.query.trim().toLowerCase();
  return (p) =>
    (filter.duty === null || p.status === filter.duty) &&
    (filter.freshness === null || freshnessOf(p.last, now) === filter.freshness) &&
    (!q || p.callSign.toLowerCase().includes(q) || stationName(p.stationId).toLowerCase().includes(q));
}

/** The filter in words, for an empty list: `matches "xyz", stale, Busy`. */
export function describeFilter(filter: PatrolFilter): string {
  const parts: string[] = [];
  if (filter.query.trim()) parts.push(`matches “${filter.query.trim()}”`);
  if (filter.freshness) parts.push(`is ${filter.freshness}`);
  if (filter.duty) parts.push(`is ${DUTY[filter.duty].label.toLowerCase()}`);
  return parts.join(" and ");
}

/** The list's sort orders. */
export type SortKey = "callSign" | "station" | "speed" | "silentLongest" | "lastSeen";

/** The sort orders as the menu names them, in menu order. */
export const SORT_LABEL: Record<SortKey, string> = {
  callSign: "Call sign",
  station: "Station",
  speed: "Speed (fastest first)",
  silentLongest: "Silent longest first",
  lastSeen: "Last seen (newest first)",
};

/** A comparator for `key`; every order ends on the call sign and then the patrol id, so ties never swap. */
export function patrolComparator(key: SortKey, stationName: (stationId: number) => string): (a: PatrolView, b: PatrolView) => number {
  const tie = (a: PatrolView, b: PatrolView) => a.callSign.localeCompare(b.callSign) || a.patrolId - b.patrolId;
  // A unit that never reported has been silent longest of all.
  const seen = (p: PatrolView) => p.last?.ts ?? Number.NEGATIVE_INFINITY;
  const by: Record<SortKey, (a: PatrolView, b: PatrolView) => number> = {
    callSign: tie,
    station: (a, b) => stationName(a.stationId).localeCompare(stationName(b.stationId)),
    speed: (a, b) => (b.last?.speed ?? -1) - (a.last?.speed ?? -1),
    silentLongest: (a, b) => seen(a) - seen(b),
    lastSeen: (a, b) => seen(b) - seen(a),
  };
  return (a, b) => by[key](a, b) || tie(a, b);
}

/**
 * The list's row order. With `resort`, `rows` sorted by `compare`. Without, the previous order is kept so rows do
 * not move under the commander's eyes or pointer: units no longer in `rows` leave, new ones join at the end
 * (sorted among themselves), nobody else moves.
 */
export function stableOrder(previous: readonly number[], rows: readonly PatrolView[], compare: (a: PatrolView, b: PatrolView) => number, resort: boolean): number[] {
  if (resort) return [...rows].sort(compare).map((p) => p.patrolId);
  const present = new Set(rows.map((p) => p.patrolId));
  const kept = previous.filter((id) => present.has(id));
  const known = new Set(kept);
  const joined = rows.filter((p) => !known.has(p.patrolId)).sort(compare);
  return [...kept, ...joined.map((p) => p.patrolId)];
}

/**
 * Rows the list draws at most (200): a city's 5,000 patrols as rows were 60,000 DOM nodes that React re-rendered
 * every second (each row's "seen … ago" changes), which held the map's main thread for 100–300 ms at a time
 * (`npm run bench -- --map`). Sorting and search reach every patrol; the list says how many it does not draw.
 */
export const LIST_ROW_LIMIT = 200;

/**
 * The rows the list draws: the first `limit` in order, and the followed one after them when it is further down, so
 * the unit the map follows is always in the list.
 */
export function listedRows<T extends { patrolId: number }>(rows: readonly T[], followId: number | null, limit = LIST_ROW_LIMIT): T[] {
  if (rows.length <= limit) return [...rows];
  const listed = rows.slice(0, limit);
  const followed = followId === null ? undefined : rows.find((p, i) => i >= limit && p.patrolId === followId);
  return followed ? [...listed, followed] : listed;
}

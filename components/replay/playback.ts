import type { Position } from "@/lib/realtime/protocol";

/** Playback speeds offered on the replay page: real time to one minute per second. */
export const PLAYBACK_SPEEDS = [1, 5, 10, 30, 60] as const;

/**
 * Where the vehicle was at `t` (epoch ms) along `points` (in ts order): the
 * straight-line interpolation between the two points around `t`, clamped to
 * the first and last point. Null for an empty track.
 */
export function positionAt(points: readonly Position[], t: number): { lat: number; lon: number; index: number } | null {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return null;
  if (t <= first.ts) return { lat: first.lat, lon: first.lon, index: 0 };
  if (t >= last.ts) return { lat: last.lat, lon: last.lon, index: points.length - 1 };
  // Binary search for the last point at or before t.
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.ts <= t) lo = mid;
    else hi = mid;
  }
  const a = points[lo]!;
  const b = points[hi]!;
  const f = b.ts === a.ts ? 0 : (t - a.ts) / (b.ts - a.ts);
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f, index: lo };
}

/** Colours of the tracks replayed together, in the order they were added (the first is the one opened). */
export const TRACK_COLORS = ["#5aa9ff", "#f5b942", "#e36bff", "#3ecf8e", "#ff7a59", "#9be15d"] as const;

/** At most this many patrols replayed together: an incident review of the units near a scene. */
export const MAX_TRACKS = TRACK_COLORS.length;

/** The time span covering every track: from the earliest first point to the latest last one (0, 0 when none). */
export function spanOf(tracks: readonly (readonly Position[])[]): { start: number; end: number } {
  const firsts = tracks.flatMap((t) => (t.length ? [t[0]!.ts] : []));
  const lasts = tracks.flatMap((t) => (t.length ? [t[t.length - 1]!.ts] : []));
  return firsts.length ? { start: Math.min(...firsts), end: Math.max(...lasts) } : { start: 0, end: 0 };
}

/** `ms` as h:mm:ss (or m:ss under an hour), for the elapsed time beside the slider. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

import type { PatrolView, Position } from "@/lib/realtime/protocol";

/** A point of a trail: where and when. */
export type TrailPoint = Pick<Position, "lat" | "lon" | "ts">;

/** How far back the followed patrol's trail reaches: 15 minutes. */
export const FOLLOWED_TRAIL_MS = 15 * 60_000;
/** How far back every vehicle's short trail reaches (the Trails switch): 5 minutes. */
export const SHORT_TRAIL_MS = 5 * 60_000;

/**
 * Recent positions of the patrols on the map: each new `last` the live feed
 * brings, and for the followed patrol the stored track (the track API) from
 * before the page opened or from a gap while the connection was down. A trail
 * holds one point per ts, oldest first; points older than the window they can
 * be drawn with are dropped.
 */
export class TrailBook {
  private readonly trails = new Map<number, TrailPoint[]>();
  private changed = new Set<number>();

  /** Appends each patrol's newest position when it is newer than its trail's end; forgets patrols no longer there. */
  observe(patrols: ReadonlyMap<number, PatrolView>): void {
    for (const id of this.trails.keys()) {
      if (patrols.has(id)) continue;
      this.trails.delete(id);
      this.changed.add(id);
    }
    for (const [id, p] of patrols) {
      if (!p.last) continue;
      const trail = this.trails.get(id);
      const end = trail?.at(-1);
      if (end && end.ts >= p.last.ts) continue;
      const point = { lat: p.last.lat, lon: p.last.lon, ts: p.last.ts };
      if (trail) trail.push(point);
      else this.trails.set(id, [point]);
      this.changed.add(id);
    }
  }

  /** Merges stored points of one patrol into its trail (ts order, one point per ts; the live ones win a tie). */
  backfill(patrolId: number, points: readonly TrailPoint[]): void {
    const byTs = new Map<number, TrailPoint>();
    for (const p of points) byTs.set(p.ts, { lat: p.lat, lon: p.lon, ts: p.ts });
    for (const p of this.trails.get(patrolId) ?? []) byTs.set(p.ts, p);
    this.trails.set(patrolId, [...byTs.values()].sort((a, b) => a.ts - b.ts));
    this.changed.add(patrolId);
  }

  /** One patrol's points at or after `since` (epoch ms), oldest first. */
  since(patrolId: number, since: number): TrailPoint[] {
    const trail = this.trails.get(patrolId) ?? [];
    let first = trail.length;
    while (first > 0 && trail[first - 1]!.ts >= since) first--;
    return trail.slice(first);
  }

  /** Drops points too old to be drawn: older than the followed window for `followed`, the short one for the rest. */
  prune(now: number, followed: number | null): void {
    for (const [id, trail] of this.trails) {
      const horizon = now - (id === followed ? FOLLOWED_TRAIL_MS : SHORT_TRAIL_MS);
      const keep = trail.findIndex((p) => p.ts >= horizon);
      if (keep === 0) continue;
      // Keep the newest point whatever its age: the next one extends the trail from it.
      trail.splice(0, keep === -1 ? trail.length - 1 : keep);
    }
  }

  /** Every patrol with a trail. */
  ids(): number[] {
    return [...this.trails.keys()];
  }

  /** The patrols whose trail changed since the last call. */
  takeChanged(): Set<number> {
    const changed = this.changed;
    this.changed = new Set();
    return changed;
  }
}

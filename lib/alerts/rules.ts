import type { AlertKind } from "../realtime/protocol";

/** One accepted point, as the alert rules read it. */
export interface RulePoint {
  patrolId: number;
  /** Epoch ms (the device's time). */
  ts: number;
  lat: number;
  lon: number;
  /** m/s, when reported. */
  speed?: number | null;
}

/** An alert a point calls for, before it is raised (raising it again while open is a no-op). */
export interface Violation {
  kind: Extract<AlertKind, "OVERSPEED" | "LEFT_JURISDICTION">;
  detail: Record<string, unknown>;
}

/** The station a patrol belongs to, and the test of its boundary (null when it has none). */
export interface Jurisdiction {
  stationId: number;
  stationName: string;
  inside: ((lat: number, lon: number) => boolean) | null;
}

/**
 * The per-point alert rules (DESIGN §10), with the little state they need per patrol — whether its previous
 * point was over the limit, and the newest ts seen — and nothing else: no I/O, so they are unit-tested alone
 * and cost microseconds per point.
 *
 * - OVERSPEED: speed above the limit on two consecutive points of a patrol (one fast GPS fix is not speeding).
 * - LEFT_JURISDICTION: a point outside the boundary of the patrol's station, when it has one.
 *
 * A point older than one already seen (a device's backlog arriving late) is history, not the patrol's present:
 * it raises nothing and does not count as "consecutive".
 */
export class AlertRules {
  private readonly overPrevious = new Map<number, boolean>();
  private readonly newestTs = new Map<number, number>();

  constructor(
    /** Speed limit in m/s; null turns OVERSPEED off. */
    private readonly limitMps: number | null,
  ) {}

  /** The violations `point` shows, in order. */
  check(point: RulePoint, jurisdiction: Jurisdiction | null): Violation[] {
    const newest = this.newestTs.get(point.patrolId);
    if (newest !== undefined && point.ts <= newest) return [];
    this.newestTs.set(point.patrolId, point.ts);
    const out: Violation[] = [];
    if (this.limitMps !== null) {
      const over = typeof point.speed === "number" && point.speed > this.limitMps;
      if (over && this.overPrevious.get(point.patrolId)) {
        out.push({ kind: "OVERSPEED", detail: { speedKmh: round1(point.speed! * 3.6), limitKmh: round1(this.limitMps * 3.6) } });
      }
      this.overPrevious.set(point.patrolId, over);
    }
    if (jurisdiction?.inside && !jurisdiction.inside(point.lat, point.lon)) {
      out.push({ kind: "LEFT_JURISDICTION", detail: { stationId: jurisdiction.stationId, stationName: jurisdiction.stationName } });
    }
    return out;
  }

  /** Forgets a patrol (it ended). */
  forget(patrolId: number): void {
    this.overPrevious.delete(patrolId);
    this.newestTs.delete(patrolId);
  }

  /** Patrols the rules hold state for. */
  get size(): number {
    return this.newestTs.size;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

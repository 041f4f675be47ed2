import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { KNOTS_TO_MS } from "../../lib/osmand/schema";

/** A patrol the fleet drives: its id and its vehicle's device token. */
export interface FleetPatrol {
  patrolId: number;
  token: string;
}

/** Where a patrol is when it posts: `speed` in m/s, `heading` in degrees. */
export interface FleetPosition {
  lat: number;
  lon: number;
  speed: number;
  heading: number;
  /** Battery level in percent, when the unit is a phone. */
  battery?: number;
}

/** Options of `VehicleFleet`. */
export interface VehicleFleetOptions<P extends FleetPatrol> {
  /** Position to post for `patrol` at `now` (epoch ms). Default: a random point in Kochi, 8.5 m/s due south. */
  move?: (patrol: P, now: number) => FleetPosition;
  /**
   * The device id of a patrol whose unit is a phone: it reports over the OsmAnd protocol (`GET /api/osmand`, speed in
   * knots, as Traccar Client does) instead of `POST /api/telemetry`. Default: none.
   */
  phone?: (patrol: P) => string | undefined;
  /** Called with the duration of every answered telemetry request, in ms. */
  onAnswer?: (ms: number) => void;
}

/**
 * Longest wait for one telemetry answer: 60 s. A point whose answer never came
 * may still have been published, which would make the delivery count
 * ambiguous: wait long, so that only a server that is truly stuck causes one.
 */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Vehicles on patrol (the demo's, the soak's): each patrol posts one point to `POST /api/telemetry`
 * every `intervalMs`, on a fixed cadence (a slow answer does not slow the
 * fleet down), with strictly increasing `ts`. Counts what was published.
 */
export class VehicleFleet<P extends FleetPatrol = FleetPatrol> {
  /** Points published (202 and not stale) per patrol: what dashboards must receive. */
  readonly published = new Map<number, number>();
  sent = 0;
  /** Refused or unanswered points by cause (`503 SERVICE_UNAVAILABLE`, `network`, …). */
  readonly failures = new Map<string, number>();
  /** The last failure, with its patrol: what a progress line shows. */
  lastFailure = "";
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly base: string,
    private readonly patrols: readonly P[],
    private readonly intervalMs: number,
    private readonly opts: VehicleFleetOptions<P> = {},
  ) {
    // Every vehicle's pause listens for the stop.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Points published so far. */
  get accepted(): number {
    let n = 0;
    for (const count of this.published.values()) n += count;
    return n;
  }

  /** Failed points so far. */
  get failed(): number {
    let n = 0;
    for (const count of this.failures.values()) n += count;
    return n;
  }

  /** Starts every patrol's posting loop. */
  start(): void {
    this.loops = this.patrols.map((p) => this.drive(p));
  }

  /** Stops posting; resolves once every request in flight was answered. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
  }

  private async drive(patrol: P): Promise<void> {
    const { signal } = this.stopping;
    let due = performance.now() + Math.random() * this.intervalMs;
    let lastTs = 0;
    while (!signal.aborted) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      // Fell more than a period behind (a stall): resume the cadence from now rather than burst.
      due = Math.max(due + this.intervalMs, performance.now());
      lastTs = Math.max(Date.now(), lastTs + 1);
      await this.post(patrol, lastTs);
    }
  }

  private async post(patrol: P, ts: number): Promise<void> {
    const at = this.opts.move?.(patrol, ts) ?? { lat: 9.9 + Math.random() / 10, lon: 76.2 + Math.random() / 10, speed: 8.5, heading: 180 };
    const body = JSON.stringify({
      patrolId: patrol.patrolId,
      lat: +at.lat.toFixed(6),
      lon: +at.lon.toFixed(6),
      ts,
      speed: +at.speed.toFixed(1),
      heading: Math.round(at.heading) % 360,
    });
    this.sent++;
    const started = performance.now();
    const deviceId = this.opts.phone?.(patrol);
    let cause: string;
    try {
      const res = deviceId
        ? await fetch(`${this.base}/api/osmand?${osmandQuery(deviceId, at, ts)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
        : await fetch(`${this.base}/api/telemetry`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${patrol.token}` },
            body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
      const answer = (await res.json().catch(() => null)) as { stale?: boolean; error?: { code?: string } } | null;
      this.opts.onAnswer?.(performance.now() - started);
      // OsmAnd answers 200 with no body (its points are fresh: ts only grows here).
      if ((res.status === 202 && !answer?.stale) || (deviceId && res.status === 200)) {
        this.published.set(patrol.patrolId, (this.published.get(patrol.patrolId) ?? 0) + 1);
        return;
      }
      cause = `${res.status} ${answer?.error?.code ?? (answer?.stale ? "stale" : "")}`.trim();
    } catch (err) {
      cause = (err as Error).name === "TimeoutError" ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : `network (${(err as Error).message})`;
    }
    this.failures.set(cause, (this.failures.get(cause) ?? 0) + 1);
    this.lastFailure = `patrol ${patrol.patrolId}: ${cause}`;
  }
}

/** A point as Traccar Client sends it over the OsmAnd protocol (speed in knots, battery in %), its time in ms so it only grows. */
function osmandQuery(deviceId: string, at: FleetPosition, ts: number): string {
  const fields: Record<string, string> = {
    id: deviceId,
    timestamp: String(ts),
    lat: at.lat.toFixed(6),
    lon: at.lon.toFixed(6),
    speed: (at.speed / KNOTS_TO_MS).toFixed(1),
    bearing: String(Math.round(at.heading) % 360),
  };
  if (at.battery !== undefined) fields.batt = at.battery.toFixed(0);
  return new URLSearchParams(fields).toString();
}

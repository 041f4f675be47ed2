import { KNOTS_TO_MS } from "../../../lib/osmand/schema";
import { monotonicMs, sleep } from "./clock";
import { LocalHttpClient, OutcomeTally, type Outcome } from "./http-client";

/**
 * Vehicles' telemetry for the benchmark, the soak's checks and the fault
 * tests: `POST /api/telemetry` through the public vehicle API with a `ts`
 * that strictly increases per patrol, so (patrolId, ts) names each point —
 * the key dashboards' receive stamps are joined on — and the order of
 * acceptance is the order of publication. Two ways to drive it:
 * - `point()` / `batch()` / `osmand()`: the caller paces requests (open loop,
 *   the benchmark), round-robin over the driver's `patrols`;
 * - `add()`: a vehicle posting on its own schedule, waiting for each answer
 *   and optionally retrying as a device does (the fault and isolation tests).
 * Times are `monotonicMs()` (not `performance.now()`), comparable across the processes of the machine.
 */

/** A patrol to post for: its vehicle's device token and where it drives (default: central Kochi). */
export interface DrivenPatrol {
  patrolId: number;
  token: string;
  /** Its vehicle's OsmAnd device id, for `osmand()` (default none). */
  deviceId?: string;
  lat?: number;
  lon?: number;
}

/** One request for a point: HTTP status, or "network" when there was no answer; how long it took; the error code if any. */
export interface Attempt {
  status: number | "network";
  ms: number;
  code?: string;
}

/** One telemetry point as the driver sent it. */
export interface SentPoint {
  patrolId: number;
  ts: number;
  /** `monotonicMs()` when the first attempt was sent. */
  sentAt: number;
  /** `monotonicMs()` when the final answer arrived. */
  answeredAt: number;
  attempts: Attempt[];
  /** 202 and not stale: published to dashboards. */
  published: boolean;
}

/** The driver's patrols and how a vehicle added with `add()` behaves. */
export interface DriverOptions {
  /** The round-robin of `point()` and `batch()` (none needed for `add()`). */
  patrols?: DrivenPatrol[];
  /** Milliseconds between the points of a vehicle added with `add()` (±20 % jitter). Default 1000. */
  intervalMs?: number;
  /** Retry the same point (same ts) on no answer or a 5xx until it is accepted, as a device does. Default false. */
  retry?: boolean;
  /** Per-request time limit. Default 10 s. */
  timeoutMs?: number;
}

/** Identity of one telemetry point: its patrol and its (per-patrol unique) `ts`. */
export function pointKey(patrolId: number, ts: number): string {
  return `${patrolId}:${ts}`;
}

/** Where a patrol without a position of its own drives: Ernakulam, Kochi. */
const DEFAULT_POSITION = { lat: 9.9667, lon: 76.2997 };

/** Posts telemetry for patrols and keeps what was sent (see the module comment). */
export class TelemetryDriver {
  /** Every point sent by vehicles added with `add()`. */
  readonly points: SentPoint[] = [];
  private readonly lastTs = new Map<number, number>();
  private readonly loops = new Map<number, Loop>();
  private cursor = 0;
  private step = 0;
  private recording: Map<string, SentPoint> | null = null;
  private responseMs: number[] = [];
  private tally = new OutcomeTally();
  private readonly acceptedBy = new Map<LocalHttpClient, number>();
  private readonly acceptedOsmandBy = new Map<LocalHttpClient, number>();

  /** Its HTTP client for `baseUrl` (127.0.0.1 only): `add()`'s vehicles, and `point()`/`batch()` unless given another. */
  readonly http: LocalHttpClient;
  private readonly patrols: DrivenPatrol[];

  constructor(
    baseUrl: string,
    private readonly opts: DriverOptions = {},
  ) {
    this.http = new LocalHttpClient(baseUrl);
    this.patrols = opts.patrols ?? [];
  }

  /** Starts keeping the points `point()` gets accepted (and counting outcomes) afresh. */
  startRecording(): void {
    this.recording = new Map();
    this.responseMs = [];
    this.tally = new OutcomeTally();
  }

  /**
   * Stops recording; returns the accepted single points by `pointKey`, the
   * HTTP response time of each (ms, send → answer) and the outcome tally since `startRecording`.
   */
  stopRecording(): { sent: Map<string, SentPoint>; responseMs: number[]; tally: OutcomeTally } {
    const sent = this.recording ?? new Map<string, SentPoint>();
    this.recording = null;
    return { sent, responseMs: this.responseMs, tally: this.tally };
  }

  /** Points `client`'s server has accepted from `point()`, `batch()` and `osmand()` so far. */
  acceptedPoints(client: LocalHttpClient): number {
    return this.acceptedBy.get(client) ?? 0;
  }

  /** Of those, the points `osmand()` sent. */
  acceptedOsmandPoints(client: LocalHttpClient): number {
    return this.acceptedOsmandBy.get(client) ?? 0;
  }

  /** The newest `ts` sent for each patrol so far. */
  lastTimestamps(): ReadonlyMap<number, number> {
    return this.lastTs;
  }

  /** Posts one point of the next patrol to `POST {path}` (default /api/telemetry) through `client` (default: the driver's). */
  async point(client = this.http, path = "/api/telemetry"): Promise<{ outcome: Outcome; ok: boolean; units: number }> {
    const patrol = this.nextPatrol();
    const point = this.newPoint(patrol.patrolId, 1);
    const outcome = await this.send(client, path, patrol, point, JSON.stringify(this.position(patrol, point.ts)), 10_000);
    this.tally.add(outcome, point.published);
    if (point.published) {
      this.acceptedBy.set(client, this.acceptedPoints(client) + 1);
      if (this.recording) {
        this.recording.set(pointKey(point.patrolId, point.ts), point);
        this.responseMs.push(point.answeredAt - point.sentAt);
      }
    }
    return { outcome, ok: point.published, units: 1 };
  }

  /** Posts `size` consecutive points of the next patrol to `POST {path}` (default /api/telemetry/batch) through `client`. */
  async batch(client: LocalHttpClient, size: number, path = "/api/telemetry/batch"): Promise<{ outcome: Outcome; ok: boolean; units: number }> {
    const patrol = this.nextPatrol();
    const first = this.nextTs(patrol.patrolId, size);
    const points = Array.from({ length: size }, (_, i) => this.position(patrol, first + i));
    const outcome = await client.request("POST", path, JSON.stringify({ points }), { authorization: `Bearer ${patrol.token}` });
    let published = 0;
    if (outcome.status === 202) published = (JSON.parse(outcome.body) as { published: number }).published;
    const ok = outcome.status === 202 && published === size;
    this.tally.add(outcome, ok);
    if (ok) this.acceptedBy.set(client, this.acceptedPoints(client) + size);
    return { outcome, ok, units: ok ? size : 0 };
  }

  /**
   * Sends one point of the next patrol as a phone does over the OsmAnd protocol (Traccar Client, OsmAnd):
   * `GET /api/osmand?id=…&lat=…&lon=…&timestamp=…&speed=…&bearing=…` with the patrol's `deviceId`, the timestamp in
   * unix ms (the next `ts`, as for `point()`, so the point is fresh) and the speed in knots, through `client`.
   * Accepted is 200; the empty answer does not say whether the point was published (`lastTimestamps()` and the
   * patrols' `last_ts` in Redis do).
   */
  async osmand(client = this.http): Promise<{ outcome: Outcome; ok: boolean; units: number }> {
    const patrol = this.nextPatrol();
    if (!patrol.deviceId) throw new Error(`osmand() needs a device id for every patrol (patrol ${patrol.patrolId} has none)`);
    const p = this.position(patrol, this.nextTs(patrol.patrolId, 1));
    const query = new URLSearchParams({
      id: patrol.deviceId,
      lat: String(p.lat),
      lon: String(p.lon),
      timestamp: String(p.ts),
      speed: (p.speed / KNOTS_TO_MS).toFixed(2),
      bearing: String(p.heading),
    });
    const outcome = await client.request("GET", `/api/osmand?${query}`);
    const ok = outcome.status === 200;
    this.tally.add(outcome, ok);
    if (ok) {
      this.acceptedBy.set(client, this.acceptedPoints(client) + 1);
      this.acceptedOsmandBy.set(client, this.acceptedOsmandPoints(client) + 1);
    }
    return { outcome, ok, units: 1 };
  }

  /** Starts the vehicle of `patrolId` posting on its own schedule (see `DriverOptions`); every point lands in `points`. */
  add(patrolId: number, token: string): void {
    const loop: Loop = { stopping: false, done: Promise.resolve(), wake: () => undefined };
    loop.done = this.drive({ patrolId, token }, loop);
    this.loops.set(patrolId, loop);
  }

  /** Stops the vehicle of `patrolId`; resolves once its last point was answered. */
  async remove(patrolId: number): Promise<void> {
    const loop = this.loops.get(patrolId);
    if (!loop) return;
    loop.stopping = true;
    loop.wake();
    this.loops.delete(patrolId);
    await loop.done;
  }

  /** Stops every vehicle added with `add()`, waits for their last answers and closes the driver's connections. */
  async stop(): Promise<void> {
    await Promise.all([...this.loops.keys()].map((id) => this.remove(id)));
    this.http.close();
  }

  private async drive(patrol: DrivenPatrol, loop: Loop): Promise<void> {
    const { intervalMs = 1_000, retry = false, timeoutMs = 10_000 } = this.opts;
    // Waits between points end early when the vehicle is removed.
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        loop.wake = () => (clearTimeout(timer), resolve());
      });
    await pause(Math.random() * intervalMs);
    while (!loop.stopping) {
      const point = this.newPoint(patrol.patrolId, 1);
      this.points.push(point);
      // A retry sends the same bytes, as a device does: the server then knows it for a repeat and publishes nothing.
      const body = JSON.stringify(this.position(patrol, point.ts));
      for (let backoff = 100; ; backoff = Math.min(backoff * 2, 1_000)) {
        const outcome = await this.send(this.http, "/api/telemetry", patrol, point, body, timeoutMs);
        if (!retry || (outcome.status !== 0 && outcome.status < 500)) break;
        await sleep(backoff);
      }
      if (!loop.stopping) await pause(intervalMs * (0.8 + 0.4 * Math.random()));
    }
  }

  /** A point of `patrolId` with the next `ts` (reserving `count` values), not sent yet. */
  private newPoint(patrolId: number, count: number): SentPoint {
    return { patrolId, ts: this.nextTs(patrolId, count), sentAt: 0, answeredAt: 0, attempts: [], published: false };
  }

  /** Sends one attempt of `point` (its JSON `body`) and records it on the point. */
  private async send(client: LocalHttpClient, path: string, patrol: DrivenPatrol, point: SentPoint, body: string, timeoutMs: number): Promise<Outcome> {
    const started = monotonicMs();
    if (!point.sentAt) point.sentAt = started;
    const outcome = await client.request("POST", path, body, { authorization: `Bearer ${patrol.token}` }, timeoutMs);
    point.answeredAt = monotonicMs();
    const code = outcome.error ?? errorCode(outcome.body);
    point.attempts.push({ status: outcome.status === 0 ? "network" : outcome.status, ms: point.answeredAt - started, ...(code ? { code } : {}) });
    // A stale point is accepted but published nowhere: with strictly increasing ts there should be none. A point
    // published by an earlier attempt stays published (a retry of it is a repeat).
    point.published ||= outcome.status === 202 && !outcome.body.includes('"stale":true');
    return outcome;
  }

  private nextPatrol(): DrivenPatrol {
    const patrol = this.patrols[this.cursor];
    if (!patrol) throw new Error("point() and batch() need the driver's patrols (none given)");
    this.cursor = (this.cursor + 1) % this.patrols.length;
    return patrol;
  }

  /** Reserves `count` consecutive ts values for a patrol: now, or just after its last one. */
  private nextTs(patrolId: number, count: number): number {
    const first = Math.max(Date.now(), (this.lastTs.get(patrolId) ?? 0) + 1);
    this.lastTs.set(patrolId, first + count - 1);
    return first;
  }

  /** A position wandering within ~400 m of the patrol's home. */
  private position(patrol: DrivenPatrol, ts: number) {
    const a = (this.step++ % 3600) / 100;
    const lat = patrol.lat ?? DEFAULT_POSITION.lat;
    const lon = patrol.lon ?? DEFAULT_POSITION.lon;
    return {
      patrolId: patrol.patrolId,
      lat: Math.round((lat + 0.004 * Math.sin(a + patrol.patrolId)) * 1e6) / 1e6,
      lon: Math.round((lon + 0.004 * Math.cos(a + patrol.patrolId)) * 1e6) / 1e6,
      ts,
      speed: Math.round((8 + 4 * Math.sin(a)) * 10) / 10,
      heading: Math.floor((a * 57.3) % 360),
    };
  }
}

/** `error.code` of an error answer's JSON body, if any. */
function errorCode(body: string): string | undefined {
  if (!body.startsWith('{"error"')) return undefined;
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

interface Loop {
  stopping: boolean;
  done: Promise<void>;
  /** Ends the current pause between points at once. */
  wake(): void;
}

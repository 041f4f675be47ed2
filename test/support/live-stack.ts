import pg from "pg";
import { WebSocket } from "ws";
import { signVehicleToken } from "../../lib/auth/tokens";
import type { Scope } from "../../lib/scope";
import { LiveClient, ticketFor } from "./sidecar";

/**
 * Test support for files that run a stack of their own (scope isolation,
 * faults): HTTP against that stack's base URL, its database, device tokens,
 * a telemetry driver and dashboards that time-stamp every frame they receive.
 */

/** A response from `api`, with how long it took. */
export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
  ms: number;
}

/**
 * JSON request to `base + path`. Rejects when there is no answer at all
 * (connection refused, or nothing within `timeoutMs`, default 10 s).
 */
export async function api(
  base: string,
  path: string,
  opts: { method?: string; body?: unknown; token?: string; cookie?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers["content-type"] ??= "application/json";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
    headers,
    // A string body is sent as it is (malformed JSON, for tests of bad input).
    body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body, headers: res.headers, ms: performance.now() - started };
}

/** A seeded vehicle of a stack, with a device token signed as the web tier signs them. */
export interface StackVehicle {
  id: number;
  callSign: string;
  homeStationId: number;
  token: string;
}

/** A station and its ancestor chain. */
export interface StackStation {
  id: number;
  divisionId: number;
  zoneId: number;
  districtId: number;
}

/** Direct SQL on a stack's database (never the suite's shared one). */
export class StackDb {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    this.pool.on("error", () => undefined); // the fault tests stop the server under idle connections
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }

  /** `count` enabled vehicles (lowest ids first, skipping `skip`), each with a device token. */
  async vehicles(count: number, skip = 0): Promise<StackVehicle[]> {
    const rows = await this.query<{ id: number; callSign: string; homeStationId: number }>(
      `SELECT id, "callSign", "homeStationId" FROM vehicles WHERE enabled ORDER BY id LIMIT $1 OFFSET $2`,
      [count, skip],
    );
    if (rows.length < count) throw new Error(`the stack has only ${rows.length} vehicles after ${skip}`);
    return Promise.all(rows.map(async (r) => ({ ...r, token: (await signVehicleToken(r.id)).token })));
  }

  /** Every station with its chain. */
  stations(): Promise<StackStation[]> {
    return this.query<StackStation>(`SELECT id, "divisionId", "zoneId", "districtId" FROM stations ORDER BY id`);
  }

  /** Ids of ACTIVE patrols, ascending. */
  async activePatrolIds(): Promise<number[]> {
    return (await this.query<{ id: number }>(`SELECT id FROM patrols WHERE status = 'ACTIVE' ORDER BY id`)).map((r) => r.id);
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

/** One telemetry point as the driver sent it. */
export interface SentPoint {
  patrolId: number;
  ts: number;
  /** `performance.now()` when the first attempt was sent. */
  sentAt: number;
  /** `performance.now()` when the final answer arrived. */
  answeredAt: number;
  /** Every attempt: HTTP status, or "network" when there was no answer; and its duration. */
  attempts: Array<{ status: number | "network"; ms: number; code?: string }>;
  /** 202 and not stale: published to dashboards. */
  published: boolean;
}

/** How the telemetry driver behaves. */
export interface TelemetryDriverOptions {
  /** Milliseconds between a vehicle's points (±20 % jitter). */
  intervalMs: number;
  /** Retry the same point (same ts) on no answer or a 5xx until it is accepted, as a device does. Default false. */
  retry?: boolean;
  /** Per-request time limit. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Vehicles posting `POST /api/telemetry` on their own schedule, each waiting
 * for the previous answer, with strictly increasing `ts` per patrol, so the
 * order of acceptance is the order of publication. Records every point.
 */
export class TelemetryDriver {
  readonly points: SentPoint[] = [];
  private readonly loops = new Map<number, Loop>();

  constructor(
    private readonly base: string,
    private readonly opts: TelemetryDriverOptions,
  ) {}

  /** Starts posting for `patrolId` with the vehicle's `token`. */
  add(patrolId: number, token: string): void {
    const loop: Loop = { stopping: false, done: Promise.resolve(), wake: () => undefined };
    loop.done = this.run(patrolId, token, loop);
    this.loops.set(patrolId, loop);
  }

  /** Stops posting for `patrolId`; resolves once its last point was answered. */
  async remove(patrolId: number): Promise<void> {
    const loop = this.loops.get(patrolId);
    if (!loop) return;
    loop.stopping = true;
    loop.wake();
    this.loops.delete(patrolId);
    await loop.done;
  }

  /** Stops every vehicle and waits for their last answers. */
  async stop(): Promise<void> {
    await Promise.all([...this.loops.keys()].map((id) => this.remove(id)));
  }

  private async run(patrolId: number, token: string, loop: Loop): Promise<void> {
    let lastTs = 0;
    // Waits between points end early when the vehicle is removed.
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        loop.wake = () => (clearTimeout(timer), resolve());
      });
    await pause(Math.random() * this.opts.intervalMs);
    while (!loop.stopping) {
      lastTs = Math.max(Date.now(), lastTs + 1);
      const point: SentPoint = { patrolId, ts: lastTs, sentAt: performance.now(), answeredAt: 0, attempts: [], published: false };
      this.points.push(point);
      const body = { patrolId, ts: lastTs, lat: 9.9 + Math.random() / 10, lon: 76.2 + Math.random() / 10, speed: 8, heading: 90 };
      for (let backoff = 100; ; backoff = Math.min(backoff * 2, 1_000)) {
        const started = performance.now();
        try {
          const res = await api(this.base, "/api/telemetry", { token, body, timeoutMs: this.opts.timeoutMs });
          point.attempts.push({ status: res.status, ms: res.ms, code: res.body?.error?.code as string | undefined });
          point.published = res.status === 202 && res.body?.stale !== true;
          if (res.status < 500 || !this.opts.retry) break;
        } catch (err) {
          point.attempts.push({ status: "network", ms: performance.now() - started, code: String((err as Error).cause ?? err) });
          if (!this.opts.retry) break;
        }
        await sleep(backoff);
      }
      point.answeredAt = performance.now();
      if (!loop.stopping) await pause(this.opts.intervalMs * (0.8 + 0.4 * Math.random()));
    }
  }
}

interface Loop {
  stopping: boolean;
  done: Promise<void>;
  /** Ends the current pause between points at once. */
  wake(): void;
}

/** A dashboard that also records when (`performance.now()`) each frame arrived, index for index with `frames`. */
export class TimedClient extends LiveClient {
  readonly receivedAt: number[] = [];
  /** `performance.now()` when the connection was requested. */
  connectedAt = 0;

  /** When the `nth` (1-based) SNAPSHOT arrived, or Infinity if it has not: frames published after it are never conflated away. */
  snapshotAt(nth = 1): number {
    const index = this.frames.map((f, i) => (f.type === "SNAPSHOT" ? i : -1)).filter((i) => i >= 0)[nth - 1];
    return index === undefined ? Infinity : this.receivedAt[index]!;
  }

  override record(text: string): void {
    this.receivedAt.push(performance.now());
    super.record(text);
  }

  /** Opens a dashboard of `scope` for user `userId` (a fresh ticket each time). */
  static async open(url: string, scope: Scope, userId: number): Promise<TimedClient> {
    return TimedClient.withTicket(url, await ticketFor(scope, userId, scope.level === "city" ? "ADMIN" : "COMMANDER"));
  }

  /** Opens `url?ticket=…` with a ticket obtained elsewhere (e.g. from `GET /api/realtime/ticket`). */
  static async withTicket(url: string, ticket: string): Promise<TimedClient> {
    const connectedAt = performance.now();
    const client = new TimedClient(new WebSocket(`${url}?ticket=${encodeURIComponent(ticket)}`, { handshakeTimeout: 5_000 }));
    client.connectedAt = connectedAt;
    await client.opened;
    return client;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import pg from "pg";
import { WebSocket } from "ws";
import { signVehicleToken } from "../../lib/auth/tokens";
import type { Placement } from "../../lib/realtime/placement";
import type { Scope } from "../../lib/scope";
import { monotonicMs } from "./load/clock";
import { LiveClient, ticketFor } from "./sidecar";

/**
 * Test support for files that run a stack of their own (scope isolation,
 * faults): HTTP against that stack's base URL, its database, device tokens
 * and dashboards that time-stamp every frame they receive (the telemetry
 * driver is `load/telemetry-driver.ts`).
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
  const method = opts.method ?? (opts.body === undefined ? "GET" : "POST");
  // A JSON client declares JSON on every change, body or not (the server refuses a signed-in change without it).
  if (opts.body !== undefined || method !== "GET") headers["content-type"] ??= "application/json";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
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
    const rows = await this.query<{ id: number; callSign: string; homeStationId: number; tokenGeneration: number }>(
      `SELECT id, "callSign", "homeStationId", "tokenGeneration" FROM vehicles WHERE enabled ORDER BY id LIMIT $1 OFFSET $2`,
      [count, skip],
    );
    if (rows.length < count) throw new Error(`the stack has only ${rows.length} vehicles after ${skip}`);
    return Promise.all(
      rows.map(async ({ tokenGeneration, ...r }) => ({ ...r, token: (await signVehicleToken(r.id, tokenGeneration)).token })),
    );
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

/** A dashboard that also records when (`monotonicMs()`, the telemetry driver's clock) each frame arrived, index for index with `frames`. */
export class TimedClient extends LiveClient {
  readonly receivedAt: number[] = [];
  /** `monotonicMs()` when the connection was requested. */
  connectedAt = 0;

  /** When the `nth` (1-based) SNAPSHOT arrived, or Infinity if it has not: frames published after it are never conflated away. */
  snapshotAt(nth = 1): number {
    const index = this.frames.map((f, i) => (f.type === "SNAPSHOT" ? i : -1)).filter((i) => i >= 0)[nth - 1];
    return index === undefined ? Infinity : this.receivedAt[index]!;
  }

  override record(text: string): void {
    this.receivedAt.push(monotonicMs());
    super.record(text);
  }

  /** Opens a dashboard of `scope` for user `userId` (a fresh ticket each time). */
  static async open(url: string, scope: Scope, userId: number, placement?: Placement): Promise<TimedClient> {
    return TimedClient.withTicket(url, await ticketFor(scope, userId, scope.level === "city" ? "ADMIN" : "COMMANDER", placement));
  }

  /** Opens `url?ticket=…` with a ticket obtained elsewhere (e.g. from `GET /api/realtime/ticket`). */
  static async withTicket(url: string, ticket: string): Promise<TimedClient> {
    const connectedAt = monotonicMs();
    const client = new TimedClient(new WebSocket(`${url}?ticket=${encodeURIComponent(ticket)}`, { handshakeTimeout: 5_000 }));
    client.connectedAt = connectedAt;
    await client.opened;
    return client;
  }
}

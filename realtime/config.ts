import { z } from "zod";
import { env } from "../lib/env";
import { parseSettings } from "../lib/settings";

/**
 * Settings only the realtime sidecar reads. Shared settings (REDIS_URL,
 * REALTIME_PORT, REALTIME_WORKERS, REALTIME_TICKET_SECRET, …) come from
 * `lib/env`; these are validated here, once per process, by their own schema.
 */

const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const int = (min: number, fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).default(fallback));

const originList = z
  .string()
  .transform((raw) => raw.split(",").map((o) => o.trim()).filter(Boolean))
  .pipe(z.array(z.url().transform((u) => new URL(u).origin)).min(1, "must list at least one origin"));

/** The sidecar's own environment variables, with their defaults. */
export const realtimeConfigSchema = z.object({
  /**
   * Comma-separated browser origins allowed to open a socket. Default: the
   * origin of NEXTAUTH_URL plus http://localhost:{PORT} and http://127.0.0.1:{PORT}.
   */
  REALTIME_ALLOWED_ORIGINS: z.preprocess(unsetIfEmpty, originList.optional()),
  /** Bytes a socket may have buffered before its telemetry is conflated. Default: 64 KiB. */
  REALTIME_CONFLATE_BYTES: int(1024, 64 * 1024),
  /** System events queued for one slow socket before they are replaced by a fresh SNAPSHOT. Default: 1000. */
  REALTIME_MAX_QUEUED_EVENTS: int(10, 1000),
  /** Milliseconds between pings; a socket that missed the previous pong is terminated. Default: 15000. */
  REALTIME_HEARTBEAT_MS: int(100, 15_000),
  /**
   * A socket with nothing written for this long gets a HEARTBEAT frame, so the browser can tell a live but quiet
   * connection from a dead one within seconds. 0 turns it off. Default: 2000 ms.
   */
  REALTIME_KEEPALIVE_MS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(60_000).default(2_000)),
  /** Open sockets one user may hold on one worker. Default: 20. */
  REALTIME_MAX_CONNECTIONS_PER_USER: int(1, 20),
  /** Largest message a browser may send, in bytes (browsers send nothing but pongs). Default: 1024. */
  REALTIME_MAX_PAYLOAD_BYTES: int(125, 1024),
  /** Grace period for a graceful shutdown before the process exits anyway. Default: 10000 ms. */
  REALTIME_SHUTDOWN_TIMEOUT_MS: int(100, 10_000),
  /**
   * Time a connection has to complete its HTTP request (the upgrade's headers included) and to stay idle
   * before one; slow or silent connections (slowloris) are dropped after it. Default: 10000 ms.
   */
  REALTIME_HANDSHAKE_TIMEOUT_MS: int(500, 10_000),
  /**
   * How sockets are spread over the workers. `scope` (default): the primary reads each upgrade's ticket and places
   * dashboards of the same zone on the same worker (balanced, spilling onto the least-loaded worker past 25 % above
   * the average), so each worker subscribes to a few zones' channels. `round-robin`: the kernel/cluster hands each
   * connection to the next worker, as before.
   */
  REALTIME_PLACEMENT: z.preprocess(unsetIfEmpty, z.enum(["scope", "round-robin"]).default("scope")),
});

/** Validated sidecar settings, plus the shared ones it uses. */
export interface RealtimeConfig {
  port: number;
  workers: number;
  redisUrl: string;
  redisPrefix: string;
  allowedOrigins: ReadonlySet<string>;
  conflateBytes: number;
  maxQueuedEvents: number;
  heartbeatMs: number;
  keepaliveMs: number;
  maxConnectionsPerUser: number;
  maxPayloadBytes: number;
  shutdownTimeoutMs: number;
  handshakeTimeoutMs: number;
  placement: "scope" | "round-robin";
}

/** Origins allowed when REALTIME_ALLOWED_ORIGINS is unset: the web app's own. */
export function defaultOrigins(nextAuthUrl: string, webPort: number): string[] {
  return [new URL(nextAuthUrl).origin, `http://localhost:${webPort}`, `http://127.0.0.1:${webPort}`];
}

/** Validates `source` (default: `process.env`) and returns the sidecar's settings. */
export function loadRealtimeConfig(source: Record<string, string | undefined> = process.env): RealtimeConfig {
  const c = parseSettings(realtimeConfigSchema, source, "Invalid realtime settings", "REALTIME_CONFIG_INVALID");
  return {
    port: env.REALTIME_PORT,
    workers: env.REALTIME_WORKERS,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.REDIS_PREFIX,
    allowedOrigins: new Set(c.REALTIME_ALLOWED_ORIGINS ?? defaultOrigins(env.NEXTAUTH_URL, env.PORT)),
    conflateBytes: c.REALTIME_CONFLATE_BYTES,
    maxQueuedEvents: c.REALTIME_MAX_QUEUED_EVENTS,
    heartbeatMs: c.REALTIME_HEARTBEAT_MS,
    keepaliveMs: c.REALTIME_KEEPALIVE_MS,
    maxConnectionsPerUser: c.REALTIME_MAX_CONNECTIONS_PER_USER,
    maxPayloadBytes: c.REALTIME_MAX_PAYLOAD_BYTES,
    shutdownTimeoutMs: c.REALTIME_SHUTDOWN_TIMEOUT_MS,
    handshakeTimeoutMs: c.REALTIME_HANDSHAKE_TIMEOUT_MS,
    placement: c.REALTIME_PLACEMENT,
  };
}

import os from "node:os";
import { z } from "zod";
import { parseSettings } from "./settings";

/**
 * Secrets used when none are configured, so `npm run demo` works on a fresh
 * clone. They are public (they are in this file): never run production on them.
 */
const INSECURE_DEV_SECRET = "sentinel-insecure-dev-secret-change-me-0000";

/** An empty variable counts as unset, as in most `.env` and compose files. */
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const port = (fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).max(65535).default(fallback));

const secret = z.preprocess(
  unsetIfEmpty,
  z.string().min(32, "must be at least 32 characters (use `openssl rand -base64 48`)").default(INSECURE_DEV_SECRET),
);

const url = (fallback: string) => z.preprocess(unsetIfEmpty, z.url().default(fallback));

/** Every environment variable Sentinel reads, with its default. */
export const envSchema = z.object({
  NODE_ENV: z.preprocess(unsetIfEmpty, z.enum(["development", "production", "test"]).default("development")),
  /** PostgreSQL connection string. Default: local trust-auth database `sentinel`. */
  DATABASE_URL: url("postgresql://postgres@127.0.0.1:5432/sentinel"),
  /** Redis connection string. Default: local Redis on 6379. */
  REDIS_URL: url("redis://127.0.0.1:6379"),
  /**
   * Redis Cluster seed nodes, `host:port,host:port,…` (any few of the cluster's nodes; the rest are discovered). When
   * set, every process uses Redis Cluster (DESIGN §13; the cluster-mode key names are in the README) and ignores
   * `REDIS_URL`. Default: unset (one Redis at `REDIS_URL`).
   */
  REDIS_CLUSTER_NODES: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .transform((text) => text.split(",").map((node) => node.trim()))
      .refine(
        (nodes) => nodes.every((node) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(node) && Number(node.split(":")[1]) >= 1 && Number(node.split(":")[1]) <= 65535),
        "must be a comma-separated list of host:port (e.g. 10.0.0.5:7000,10.0.0.6:7000)",
      )
      .transform((nodes) => nodes.map((node) => ({ host: node.slice(0, node.lastIndexOf(":")), port: Number(node.slice(node.lastIndexOf(":") + 1)) })))
      .optional(),
  ),
  /** Prefix for every Redis key and channel, so deployments can share a Redis. Default: none. */
  REDIS_PREFIX: z.preprocess(
    (v) => (v === undefined ? "" : v),
    z.string().regex(/^[A-Za-z0-9:_.-]*$/, "may contain only letters, digits and : _ . -"),
  ),
  /** Signs next-auth session cookies. */
  NEXTAUTH_SECRET: secret,
  /** Public base URL of the web app. Default: http://localhost:3000. */
  NEXTAUTH_URL: url("http://localhost:3000"),
  /** Signs vehicle device tokens. */
  VEHICLE_TOKEN_SECRET: secret,
  /** Signs realtime tickets (web signs, sidecar verifies). */
  REALTIME_TICKET_SECRET: secret,
  /** Web server port. Default: 3000. */
  PORT: port(3000),
  /** Realtime sidecar port. Default: 3001. */
  REALTIME_PORT: port(3001),
  /** Realtime worker processes. Default: number of CPUs. */
  REALTIME_WORKERS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).max(256).default(os.cpus().length)),
  /** URL browsers use to reach the sidecar. Default: ws://localhost:{REALTIME_PORT}/live. */
  REALTIME_PUBLIC_URL: z.preprocess(unsetIfEmpty, z.url().optional()),
  /** Map tile URL template. Default: OpenStreetMap. */
  NEXT_PUBLIC_TILE_URL: z.preprocess(
    unsetIfEmpty,
    z.string().min(1).default("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
  ),
  /** Vehicle device token lifetime in seconds. Default: 12 hours (one shift). */
  VEHICLE_TOKEN_TTL_SECONDS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(60).default(12 * 3600)),
  /** Telemetry points accepted per vehicle per second. Default: 10. */
  TELEMETRY_RATE_PER_SECOND: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).default(10)),
  /** Failed logins allowed per account (and 4× that per IP) per 15 minutes before slowing down. Default: 5. */
  LOGIN_FAILURES_BEFORE_LOCKOUT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).default(5)),
  /**
   * Reverse proxies in front of the web server that each append the address they received a request from to
   * `X-Forwarded-For` (nginx `$proxy_add_x_forwarded_for`). The client IP used for per-IP limits is the entry that
   * many hops left of the TCP peer; anything further left is client-supplied and ignored. Default: 0 (the web
   * server faces clients directly, so the TCP peer address is the client IP and `X-Forwarded-For` is ignored).
   */
  TRUSTED_PROXY_HOPS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(10).default(0)),
  /** Largest JSON request body in bytes (vehicle and admin API). Default: 16384 (16 KiB). */
  REQUEST_BODY_LIMIT_BYTES: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1024).default(16 * 1024)),
  /** Largest `POST /api/telemetry/batch` body in bytes; 500 points are ~100 KiB. Default: 262144 (256 KiB). */
  TELEMETRY_BATCH_BODY_LIMIT_BYTES: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1024).default(256 * 1024)),
  /**
   * Points the history stream holds before its oldest are trimmed (`XADD … MAXLEN ~`): the backlog the history
   * process may fall behind by (e.g. while PostgreSQL is down) without losing points. ~150 bytes of Redis memory
   * each. Default: 1000000 (about 16 minutes at 1,000 points/s, 7 hours at the demo's 40/s).
   */
  // 0 turns history off: the ingest script appends nothing (no trails, replay or export for new points).
  HISTORY_STREAM_MAXLEN: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number()
      .int()
      .refine((n) => n === 0 || n >= 1_000, "must be 0 (history off) or at least 1000")
      .default(1_000_000),
  ),
  /**
   * A point over the OsmAnd protocol (`/api/osmand`) from a vehicle without an active patrol starts one at its home
   * station (on), or is refused with 409 until the patrol is started otherwise (off). Default: on.
   */
  OSMAND_AUTO_PATROL: z.preprocess(unsetIfEmpty, z.stringbool().default(true)),
  /**
   * A patrol started by a device's first point stops after this many minutes without a point (a sweeper in the
   * history process checks every minute, or every tenth of this when shorter); also how long a phone's points are
   * refused after a commander ended its patrol. Fractions allowed. Default: 30.
   */
  OSMAND_IDLE_STOP_MINUTES: z.preprocess(unsetIfEmpty, z.coerce.number().positive().max(7 * 24 * 60).default(30)),
  /**
   * Bearer token guarding the ops endpoints of every process (the realtime sidecar's `/metrics` and `/healthz`,
   * which show versions, pids and connection counts): when set, a request without
   * `Authorization: Bearer <METRICS_TOKEN>` gets 401. Default: unset (open, for a machine of your own).
   */
  METRICS_TOKEN: z.preprocess(unsetIfEmpty, z.string().min(16, "must be at least 16 characters (use `openssl rand -hex 24`)").optional()),
  /** Password of every user the seed creates; seeded vehicles' device secrets derive from it. Default: sentinel-demo. */
  DEMO_PASSWORD: z.preprocess(unsetIfEmpty, z.string().min(8).default("sentinel-demo")),
  /** pino log level. Default: info. */
  LOG_LEVEL: z.preprocess(
    unsetIfEmpty,
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ),
});

export type Env = z.infer<typeof envSchema>;

/** Validates `source` (default: `process.env`) and returns the typed environment. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parseSettings(envSchema, source, "Invalid environment", "ENV_INVALID", "Fix these variables (see .env.example).");
}

/** True when a secret was left at its public development default. */
export function usesInsecureDefaults(e: Env): boolean {
  return [e.NEXTAUTH_SECRET, e.VEHICLE_TOKEN_SECRET, e.REALTIME_TICKET_SECRET].includes(INSECURE_DEV_SECRET);
}

/** The environment of this process, validated once at first import. */
export const env: Env = loadEnv();

/** URL browsers use to reach the realtime sidecar. */
export const realtimePublicUrl = env.REALTIME_PUBLIC_URL ?? `ws://localhost:${env.REALTIME_PORT}/live`;

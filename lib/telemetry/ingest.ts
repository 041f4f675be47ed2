import type { Redis } from "ioredis";
import { env } from "../env";
import { AppError } from "../errors";
import { encodeTelemetryFrame } from "../realtime/protocol";
import { redis, redisPrefix } from "../redis/client";
import { ensureStatePlane } from "../patrols/watch-state-plane";
import { redisCall } from "../redis/guard";
import { lastStatusKey, patrolChannel, patrolMetaKey, rateLimitKey, statePlaneReadyKey, vehicleActivePatrolKey } from "../redis/keys";
import { MAX_CLOCK_SKEW_MS, type TelemetryPoint } from "./schema";

/**
 * The telemetry hot path: no SQL, one Redis round trip. A Lua script (sent
 * once, then called by SHA) rate-limits the vehicle, checks that the patrol is
 * the vehicle's active one, drops points older than the last published one
 * (and a repeat of the last one: a device retrying after a lost answer), and
 * stores + publishes the frame bytes built here once.
 *
 * KEYS: 1 vehicle:{vid}:active_patrol, 2 patrol:last_status, 3 live:patrol:{id},
 *       4 patrol:{id}:meta, 5 rate-limit counter, 6 state_plane:ready
 * ARGV: 1 patrol id, 2 rate limit, 3 rate window ms, then (ts, frame) pairs in ts order
 * Returns {status, published, stale, retryAfterMs}; status 1 ok, -1 someone
 * else's patrol, -2 patrol not active, -3 rate limited, -4 the state plane is
 * missing (Redis restarted empty and is not rebuilt yet: the patrol may be active).
 */
const INGEST_LUA = `
local n = redis.call('INCR', KEYS[5])
if n == 1 then redis.call('PEXPIRE', KEYS[5], ARGV[3]) end
if n > tonumber(ARGV[2]) then return {-3, 0, 0, redis.call('PTTL', KEYS[5])} end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  if redis.call('EXISTS', KEYS[4]) == 1 then return {-1, 0, 0, 0} end
  if redis.call('EXISTS', KEYS[6]) == 0 then return {-4, 0, 0, 0} end
  return {-2, 0, 0, 0}
end
local lastTs = nil
local last = redis.call('HGET', KEYS[2], ARGV[1])
if last then lastTs = tonumber(string.match(last, '"ts":(%-?%d+)')) end
local published, stale, newest = 0, 0, nil
for i = 4, #ARGV, 2 do
  local ts = tonumber(ARGV[i])
  if lastTs and (ts < lastTs or (ts == lastTs and ARGV[i + 1] == last)) then
    stale = stale + 1
  else
    redis.call('PUBLISH', KEYS[3], ARGV[i + 1])
    lastTs, last, newest, published = ts, ARGV[i + 1], ARGV[i + 1], published + 1
  end
end
if newest then redis.call('HSET', KEYS[2], ARGV[1], newest) end
return {1, published, stale, 0}
`;

/** Window of the per-vehicle rate limit: 1 s (limit `TELEMETRY_RATE_PER_SECOND`, default 10). */
const RATE_WINDOW_MS = 1_000;

type IngestReply = [status: number, published: number, stale: number, retryAfterMs: number];
type IngestClient = Redis & {
  sentinelIngest(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: (string | number)[]): Promise<IngestReply>;
};

const defined = new WeakSet<Redis>();

function ingestClient(r: Redis): IngestClient {
  if (!defined.has(r)) {
    // ioredis sends EVALSHA and falls back to EVAL once if the script is not cached (e.g. after a Redis restart).
    r.defineCommand("sentinelIngest", { numberOfKeys: 6, lua: INGEST_LUA });
    defined.add(r);
  }
  return r as IngestClient;
}

/** Outcome of an accepted request: how many points were published and how many were older than the last one. */
export interface IngestResult {
  published: number;
  stale: number;
}

/**
 * Publishes points of one patrol for `vehicleId`. `points` must all carry
 * the same patrol id. Throws 403/409/429/503 AppErrors.
 */
export async function ingestTelemetry(vehicleId: number, points: TelemetryPoint[], now = Date.now()): Promise<IngestResult> {
  const first = points[0];
  if (!first) return { published: 0, stale: 0 };
  const patrolId = first.patrolId;
  const frames: (string | number)[] = [];
  const ordered = points.map((p) => ({ ...p, ts: p.ts ?? now })).sort((a, b) => a.ts - b.ts);
  for (const p of ordered) {
    if (p.ts > now + MAX_CLOCK_SKEW_MS) {
      throw new AppError("VALIDATION_FAILED", `Invalid request: ts ${p.ts} is in the future; check the device clock.`);
    }
    frames.push(p.ts, encodeTelemetryFrame(patrolId, p));
  }
  const window = Math.floor(now / RATE_WINDOW_MS);
  const p = redisPrefix;
  const [status, published, stale, retryAfterMs] = await redisCall(
    ingestClient(redis()).sentinelIngest(
      vehicleActivePatrolKey(p, vehicleId),
      lastStatusKey(p),
      patrolChannel(p, patrolId),
      patrolMetaKey(p, patrolId),
      rateLimitKey(p, "telemetry", String(vehicleId), window),
      statePlaneReadyKey(p),
      patrolId,
      env.TELEMETRY_RATE_PER_SECOND,
      RATE_WINDOW_MS,
      ...frames,
    ),
  );
  switch (status) {
    case 1:
      return { published, stale };
    case -1:
      throw new AppError("FORBIDDEN", `Patrol ${patrolId} belongs to another vehicle.`);
    case -2:
      throw new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} is not active; start a patrol (POST /api/patrols/start) first.`);
    case -4:
      // Usually already under way (every web process restores it when its connection comes back); this also heals a flushed Redis.
      void ensureStatePlane();
      throw new AppError(
        "SERVICE_UNAVAILABLE",
        "The live-tracking store (Redis) restarted and is being restored from the database; retry in a moment.",
        {},
        { "Retry-After": "1" },
      );
    default: {
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      throw new AppError(
        "RATE_LIMITED",
        `Too many telemetry requests: at most ${env.TELEMETRY_RATE_PER_SECOND} per second per vehicle. Batch points with POST /api/telemetry/batch.`,
        {},
        { "Retry-After": String(seconds) },
      );
    }
  }
}

import { env } from "../env";
import { AppError } from "../errors";
import { encodeTelemetryFrame } from "../realtime/protocol";
import { redis, redisPrefix } from "../redis/client";
import { endedByUser, parseEndedNotice } from "../patrols/ended-notice";
import { ensureStatePlane } from "../patrols/watch-state-plane";
import { redisCall } from "../redis/guard";
import { clusterLayout, statePlaneReadyKey } from "../redis/keys";
import { tokenRevoked, type DeviceIdentity } from "../auth/tokens";
import { ingestCredential, ingestKeys, isIngestStatus, runIngestScript, type DeviceCredential, type IngestReply } from "./ingest-script";
import { MAX_CLOCK_SKEW_MS, type TelemetryPoint } from "./schema";

/**
 * Window of the per-vehicle request limit and of the per-patrol live budget: 1 s (both `TELEMETRY_RATE_PER_SECOND`,
 * default 10: requests per vehicle, and frames fanned out per patrol).
 */
const RATE_WINDOW_MS = 1_000;

/**
 * Outcome of an accepted request: points published on the live plane, points older than the newest known one,
 * and fresh points withheld from the live plane by the patrol's budget (every point but a repeat goes to history).
 */
export interface IngestResult {
  published: number;
  stale: number;
  withheld: number;
}

/**
 * The telemetry hot path: publishes points of one patrol for `vehicleId` with
 * no SQL and one Redis round trip (`ingest.lua`: rate limit, ownership, stale
 * check, publish, last status, history stream). The frame bytes are built here, once.
 * `points` must all carry the same patrol id. Throws 401/403/409/429/503 AppErrors.
 */
export async function ingestTelemetry(device: DeviceIdentity, points: TelemetryPoint[], now = Date.now()): Promise<IngestResult> {
  const reply = await runIngest(device.vehicleId, { kind: "token", generation: device.generation }, points, now);
  return reply ? ingestOutcome(reply, points[0]!.patrolId) : { published: 0, stale: 0, withheld: 0 };
}

/**
 * One ingest-script call for `points` (all of one patrol) of `vehicleId`, whose request carried `credential`: the
 * frames built once, here; null for no points. Throws 400 for a point from the future. Under Redis Cluster the script
 * checks the ready marker of the patrol's own slot; the state plane's (`{sp}`) lives in another slot, so a NOT_ACTIVE
 * answer costs one more read of it (accepted points still take one round trip), and becomes STATE_PLANE_MISSING
 * without it, as the script says under one Redis.
 */
export async function runIngest(vehicleId: number, credential: DeviceCredential, points: TelemetryPoint[], now = Date.now()): Promise<IngestReply | null> {
  const first = points[0];
  if (!first) return null;
  const patrolId = first.patrolId;
  const frames: (string | number)[] = [];
  const ordered = points.map((point) => ({ ...point, ts: point.ts ?? now })).sort((a, b) => a.ts - b.ts);
  for (const point of ordered) {
    if (point.ts > now + MAX_CLOCK_SKEW_MS) {
      throw new AppError("VALIDATION_FAILED", `Invalid request: ts ${point.ts} is in the future; check the device clock.`);
    }
    frames.push(point.ts, encodeTelemetryFrame(patrolId, point));
  }
  const window = Math.floor(now / RATE_WINDOW_MS);
  const check = ingestCredential(redisPrefix, vehicleId, patrolId, credential);
  const reply = await redisCall(
    runIngestScript(
      redis(),
      ingestKeys(redisPrefix, vehicleId, patrolId, window, check.key),
      {
        patrolId,
        rateLimit: env.TELEMETRY_RATE_PER_SECOND,
        rateWindowMs: RATE_WINDOW_MS,
        vehicleId,
        historyMaxLen: env.HISTORY_STREAM_MAXLEN,
        credential: check.value,
        credentialDefault: check.fallback,
        credentialField: check.field,
      },
      frames,
    ),
  );
  if (clusterLayout && reply.status === "NOT_ACTIVE" && !(await redisCall(redis().exists(statePlaneReadyKey(redisPrefix))))) {
    return { ...reply, status: "STATE_PLANE_MISSING" };
  }
  return reply;
}

/**
 * Maps the ingest script's reply to the request's result, or throws the
 * AppError the caller should see (403/409/429/503). A status this code does
 * not know is a bug between the two sides: a plain Error, so the route logs it
 * and answers 500.
 */
export function ingestOutcome(reply: IngestReply, patrolId: number): IngestResult {
  const { status } = reply;
  if (!isIngestStatus(status)) throw new Error(`ingest script answered an unknown status ${JSON.stringify(status)} for patrol ${patrolId}`);
  switch (status) {
    case "OK":
      return { published: reply.published, stale: reply.stale, withheld: reply.withheld };
    case "CREDENTIAL_REVOKED":
      throw tokenRevoked();
    case "RATE_LIMITED":
      throw new AppError(
        "RATE_LIMITED",
        `Too many telemetry requests: at most ${env.TELEMETRY_RATE_PER_SECOND} per second per vehicle. Batch points with POST /api/telemetry/batch.`,
        {},
        { "Retry-After": String(Math.max(1, Math.ceil(reply.retryAfterMs / 1000))) },
      );
    case "NOT_OWNER":
      throw new AppError("FORBIDDEN", `Patrol ${patrolId} belongs to another vehicle.`);
    case "NOT_ACTIVE":
      throw new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} is not active; start a patrol (POST /api/patrols/start) first.`);
    case "ENDED_BY_USER":
      throw endedByUser(patrolId, parseEndedNotice(reply.ended));
    case "STATE_PLANE_MISSING":
      // Usually already under way (every web process restores it when its connection comes back); this also heals a flushed Redis.
      void ensureStatePlane();
      throw new AppError(
        "SERVICE_UNAVAILABLE",
        "The live-tracking store (Redis) restarted and is being restored from the database; retry in a moment.",
        {},
        { "Retry-After": "1" },
      );
  }
}

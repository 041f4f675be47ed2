import type { RedisClient } from "../redis/client";
import { readFileSync } from "node:fs";
import {
  historyStreamKey,
  lastStatusKey,
  patrolEndedKey,
  patrolChannel,
  patrolLastTsKey,
  patrolLiveFramesKey,
  patrolMetaKey,
  rateLimitKey,
  statePlaneReadyKey,
  vehicleActivePatrolKey,
  vehicleTokenGenerationKey,
} from "../redis/keys";

/**
 * The ingest script (`ingest.lua`) and the one table of names it shares with
 * the TypeScript side: its statuses, its keys and its fixed arguments. The
 * Lua sees them as `STATUS.<name>`, `KEY.<name>`, `ARG.<name>`, generated from
 * the lists below, so the two sides cannot drift. To add a step: add its
 * status, key or argument here, pass it in `runIngestScript`'s call, use it in
 * `ingest.lua`.
 */

/** Every status the script answers, by name (the reply carries the name itself). */
export const INGEST_STATUSES = ["OK", "CREDENTIAL_REVOKED", "RATE_LIMITED", "NOT_OWNER", "NOT_ACTIVE", "ENDED_BY_USER", "STATE_PLANE_MISSING"] as const;
export type IngestStatus = (typeof INGEST_STATUSES)[number];

/** The script's keys, in KEYS order. */
export const INGEST_KEYS = [
  "credential",
  "rateCounter",
  "vehicleActivePatrol",
  "patrolMeta",
  "statePlaneReady",
  "patrolChannel",
  "lastStatus",
  "lastTs",
  "liveFrames",
  "historyStream",
  "patrolEnded",
] as const;
export type IngestKey = (typeof INGEST_KEYS)[number];

/** The script's fixed arguments, in ARGV order; the points follow. */
export const INGEST_ARGS = ["patrolId", "rateLimit", "rateWindowMs", "vehicleId", "historyMaxLen", "credential", "credentialDefault"] as const;
export type IngestArg = (typeof INGEST_ARGS)[number];

/** The script's reply: a status name (unchecked: see `isIngestStatus`), then counts. */
export interface IngestReply {
  status: string;
  published: number;
  stale: number;
  retryAfterMs: number;
  /** Fresh points accepted (and sent to history) but not fanned out: the patrol's live budget for the window was spent. */
  withheld: number;
  /** ENDED_BY_USER: who ended the patrol, when and why, as `patrol:{id}:ended` holds it (JSON). */
  ended?: string;
}

/** True when `status` is one of `INGEST_STATUSES`. */
export const isIngestStatus = (status: string): status is IngestStatus => (INGEST_STATUSES as readonly string[]).includes(status);

/** A Lua table whose unknown fields raise an error, so a misspelt name fails loudly instead of reading nil. */
function luaTable(name: string, entries: [field: string, luaValue: string][]): string {
  const fields = entries.map(([field, value]) => `${field} = ${value}`).join(", ");
  return `local ${name} = setmetatable({${fields}}, {__index = function(_, field) error('ingest script: no ${name}.' .. tostring(field)) end})`;
}

/** The generated names, then `ingest.lua` (read once, at module load). */
export const INGEST_SCRIPT = [
  luaTable("STATUS", INGEST_STATUSES.map((s) => [s, `'${s}'`])),
  luaTable("KEY", INGEST_KEYS.map((k, i) => [k, `KEYS[${i + 1}]`])),
  luaTable("ARG", INGEST_ARGS.map((a, i) => [a, `ARGV[${i + 1}]`])),
  `local FIRST_POINT_ARG = ${INGEST_ARGS.length + 1}`,
  readFileSync(new URL("./ingest.lua", import.meta.url), "utf8"),
].join("\n");

type ScriptClient = RedisClient & {
  sentinelIngest(...keysThenArgs: (string | number)[]): Promise<[string, number, number, number, number, string?]>;
};

const defined = new WeakSet<RedisClient>();

function scriptClient(redis: RedisClient): ScriptClient {
  if (!defined.has(redis)) {
    // ioredis sends EVALSHA and falls back to EVAL once if the script is not cached (e.g. after a RedisClient restart).
    redis.defineCommand("sentinelIngest", { numberOfKeys: INGEST_KEYS.length, lua: INGEST_SCRIPT });
    defined.add(redis);
  }
  return redis as ScriptClient;
}

/**
 * What the script checks the request's credential against: `key` must hold `value` (`fallback` when the key is
 * missing). A device token: the vehicle's token generation (missing = 0). A device id (OsmAnd): its key must still
 * name the vehicle (missing = revoked).
 */
export interface IngestCredential {
  key: string;
  value: string;
  fallback: string;
}

/** The credential check of a device token of token generation `generation`. */
export const tokenCredential = (prefix: string, vehicleId: number, generation: number): IngestCredential => ({
  key: vehicleTokenGenerationKey(prefix, vehicleId),
  value: String(generation),
  fallback: "0",
});

/**
 * The script's keys for one request: `vehicleId` posting to `patrolId` in rate-limit window number `window` (of the
 * request limit and the live-frame budget alike), its credential checked at `credentialKey`.
 */
export function ingestKeys(prefix: string, vehicleId: number, patrolId: number, window: number, credentialKey: string): Record<IngestKey, string> {
  return {
    credential: credentialKey,
    rateCounter: rateLimitKey(prefix, "telemetry", String(vehicleId), window),
    vehicleActivePatrol: vehicleActivePatrolKey(prefix, vehicleId),
    patrolMeta: patrolMetaKey(prefix, patrolId),
    statePlaneReady: statePlaneReadyKey(prefix),
    patrolChannel: patrolChannel(prefix, patrolId),
    lastStatus: lastStatusKey(prefix),
    lastTs: patrolLastTsKey(prefix, patrolId),
    liveFrames: patrolLiveFramesKey(prefix, patrolId, window),
    historyStream: historyStreamKey(prefix),
    patrolEnded: patrolEndedKey(prefix, patrolId),
  };
}

/** Runs the ingest script: one round trip. `points` are (ts, frame) pairs in ts order. */
export async function runIngestScript(
  redis: RedisClient,
  keys: Record<IngestKey, string>,
  args: Record<IngestArg, string | number>,
  points: (string | number)[],
): Promise<IngestReply> {
  const [status, published, stale, retryAfterMs, withheld, ended] = await scriptClient(redis).sentinelIngest(
    ...INGEST_KEYS.map((k) => keys[k]),
    ...INGEST_ARGS.map((a) => args[a]),
    ...points,
  );
  return { status: String(status), published, stale, retryAfterMs, withheld, ...(ended === undefined ? {} : { ended: String(ended) }) };
}

import { readFileSync } from "node:fs";
import { Cluster } from "ioredis";
import type { RedisClient } from "../redis/client";
import {
  clusterLayout,
  deviceVehicleKey,
  historyStreamKey,
  lastStatusKey,
  patrolChannel,
  patrolCredentialKey,
  patrolEndedKey,
  patrolLastFrameKey,
  patrolLastTsKey,
  patrolLiveFramesKey,
  patrolMetaKey,
  slotReadyKeyOf,
  statePlaneReadyKey,
  telemetryRateKey,
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

/**
 * The script's keys under a single Redis, in KEYS order. The state-plane keys (vehicle key, ready marker) and the
 * one last-status hash live in other slots than the patrol's, so Redis Cluster gets `CLUSTER_INGEST_KEYS` instead.
 */
const SINGLE_INGEST_KEYS = [
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

/** The script's keys under Redis Cluster, in KEYS order: every one in the patrol's hash slot (README, "Redis Cluster"). */
const CLUSTER_INGEST_KEYS = [
  "credential",
  "rateCounter",
  "patrolMeta",
  "statePlaneReady",
  "patrolChannel",
  "lastFrame",
  "lastTs",
  "liveFrames",
  "historyStream",
  "patrolEnded",
] as const;

/** Any key name of either layout. */
export type IngestKey = (typeof SINGLE_INGEST_KEYS)[number] | (typeof CLUSTER_INGEST_KEYS)[number];

/** The script's keys in this process's layout, in KEYS order. */
export const INGEST_KEYS: readonly IngestKey[] = clusterLayout ? CLUSTER_INGEST_KEYS : SINGLE_INGEST_KEYS;

/**
 * The script's fixed arguments, in ARGV order; the points follow. `credentialField` is the field of the credential
 * mirror under Redis Cluster (ignored under a single Redis, whose credential keys are strings).
 */
export const INGEST_ARGS = ["patrolId", "rateLimit", "rateWindowMs", "vehicleId", "historyMaxLen", "credential", "credentialDefault", "credentialField"] as const;
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
  `local CLUSTER = ${clusterLayout}`,
  readFileSync(new URL("./ingest.lua", import.meta.url), "utf8"),
].join("\n");

/** Pause between two tries of a script that met TRYAGAIN (its slot half-moved): 50 ms. */
const TRY_AGAIN_MS = 50;
/** Longest a call waits out a slot being moved before it fails (and the device gets 503): 2 s, within the web's 3 s deadline. */
const TRY_AGAIN_LIMIT_MS = 2_000;

/**
 * Redis Cluster: runs the script through a resharding. While its slot is half-moved, Redis refuses a script whose
 * keys are split between the two masters with TRYAGAIN (nothing ran): tried again every TRY_AGAIN_MS, up to
 * TRY_AGAIN_LIMIT_MS. A script sent on to the importing master (ASK) may find it without the script cached, and
 * ioredis's EVAL fallback does not follow the redirection: the script is loaded on every master and tried again once.
 * The script never runs twice: Redis refused each try before running it.
 */
async function duringResharding<T>(cluster: Cluster, call: () => Promise<T>): Promise<T> {
  let loaded = false;
  for (let waited = 0; ; ) {
    try {
      return await call();
    } catch (err) {
      const message = String(err);
      if (/NOSCRIPT/.test(message) && !loaded) {
        loaded = true;
        await Promise.all(cluster.nodes("master").map((node) => node.script("LOAD", INGEST_SCRIPT)));
        continue;
      }
      if (!/TRYAGAIN/.test(message) || waited >= TRY_AGAIN_LIMIT_MS) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, TRY_AGAIN_MS));
    waited += TRY_AGAIN_MS;
  }
}

type ScriptClient = RedisClient & {
  sentinelIngest(...keysThenArgs: (string | number)[]): Promise<[string, number, number, number, number, string?]>;
};

const defined = new WeakSet<RedisClient>();

function scriptClient(redis: RedisClient): ScriptClient {
  if (!defined.has(redis)) {
    // ioredis sends EVALSHA and falls back to EVAL once if the script is not cached (e.g. after a Redis restart).
    redis.defineCommand("sentinelIngest", { numberOfKeys: INGEST_KEYS.length, lua: INGEST_SCRIPT });
    defined.add(redis);
  }
  return redis as ScriptClient;
}

/** What a request proves who it is with: a device token of a token generation, or a device id (OsmAnd) by its SHA-256. */
export type DeviceCredential = { kind: "token"; generation: number } | { kind: "deviceId"; hash: string };

/**
 * What the script checks a request's credential against: `key` (its `field` under Redis Cluster) must hold `value`
 * (`fallback` when missing).
 */
export interface IngestCredential {
  key: string;
  field: string;
  value: string;
  fallback: string;
}

/**
 * The credential check of `credential` for `vehicleId` posting to `patrolId`. A device token: the vehicle's token
 * generation (missing = 0). A device id: its key must still name the vehicle (missing = revoked). Under Redis Cluster
 * both are read from the patrol's credential mirror (`gen`, and `dev`: the hash of the vehicle's current device id).
 */
export function ingestCredential(prefix: string, vehicleId: number, patrolId: number, credential: DeviceCredential): IngestCredential {
  const token = credential.kind === "token";
  if (clusterLayout) {
    return token
      ? { key: patrolCredentialKey(prefix, patrolId), field: "gen", value: String(credential.generation), fallback: "0" }
      : { key: patrolCredentialKey(prefix, patrolId), field: "dev", value: credential.hash, fallback: "" };
  }
  return token
    ? { key: vehicleTokenGenerationKey(prefix, vehicleId), field: "", value: String(credential.generation), fallback: "0" }
    : { key: deviceVehicleKey(prefix, credential.hash), field: "", value: String(vehicleId), fallback: "" };
}

/**
 * The script's keys for one request in this process's layout: `vehicleId` posting to `patrolId` in rate-limit window
 * number `window` (of the request limit and the live-frame budget alike), its credential checked at `credentialKey`.
 */
export function ingestKeys(prefix: string, vehicleId: number, patrolId: number, window: number, credentialKey: string): Partial<Record<IngestKey, string>> {
  const perPatrol = {
    credential: credentialKey,
    rateCounter: telemetryRateKey(prefix, vehicleId, patrolId, window),
    patrolMeta: patrolMetaKey(prefix, patrolId),
    patrolChannel: patrolChannel(prefix, patrolId),
    lastTs: patrolLastTsKey(prefix, patrolId),
    liveFrames: patrolLiveFramesKey(prefix, patrolId, window),
    historyStream: historyStreamKey(prefix, patrolId),
    patrolEnded: patrolEndedKey(prefix, patrolId),
  };
  if (clusterLayout) {
    // The ready marker of the patrol's own slot: gone when its shard restarted empty (README, "Redis Cluster").
    return { ...perPatrol, lastFrame: patrolLastFrameKey(prefix, patrolId), statePlaneReady: slotReadyKeyOf(prefix, patrolMetaKey(prefix, patrolId)) };
  }
  return {
    ...perPatrol,
    vehicleActivePatrol: vehicleActivePatrolKey(prefix, vehicleId),
    statePlaneReady: statePlaneReadyKey(prefix),
    lastStatus: lastStatusKey(prefix),
  };
}

/** Runs the ingest script: one round trip. `points` are (ts, frame) pairs in ts order. */
export async function runIngestScript(
  redis: RedisClient,
  keys: Partial<Record<IngestKey, string>>,
  args: Record<IngestArg, string | number>,
  points: (string | number)[],
): Promise<IngestReply> {
  const keysThenArgs = [
    ...INGEST_KEYS.map((k) => {
      const key = keys[k];
      if (key === undefined) throw new Error(`runIngestScript: no key ${k}`);
      return key;
    }),
    ...INGEST_ARGS.map((a) => args[a]),
    ...points,
  ];
  const call = () => scriptClient(redis).sentinelIngest(...keysThenArgs);
  const [status, published, stale, retryAfterMs, withheld, ended] = redis instanceof Cluster ? await duringResharding(redis, call) : await call();
  return { status: String(status), published, stale, retryAfterMs, withheld, ...(ended === undefined ? {} : { ended: String(ended) }) };
}

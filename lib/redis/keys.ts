import { env } from "../env";
import type { Scope } from "../scope";
import { keySlot, slotTag } from "./key-slot";

/**
 * Every Redis key and channel name Sentinel uses (docs/ARCHITECTURE.md §3). The web tier and
 * the realtime sidecar both build names here; nothing else spells a key.
 * Each function takes the deployment prefix (`REDIS_PREFIX`, default "").
 */

const unit = (scope: Scope) => (scope.level === "city" ? "city" : `${scope.level}:${scope.id}`);

/**
 * Hash tag of the state plane under Redis Cluster (DESIGN §13): every scope set, every vehicle key and the ready
 * marker live in one slot, so a start or stop still updates them in ONE `MULTI`. Per-patrol keys carry the patrol's
 * own tag `{id}` instead, shared with its data channel, so the telemetry script touches one slot only.
 */
const STATE_PLANE_TAG = "{sp}";

/**
 * The key and channel names of one layout: single Redis (`cluster` false: DESIGN §4's names, exactly) or Redis
 * Cluster (`cluster` true: every key a script or MULTI touches together shares one hash slot). The module's exports
 * are the layout this process runs (`REDIS_CLUSTER_NODES` set or not); tests build both.
 */
export function keyLayout(cluster: boolean) {
  /** A patrol's key `patrol:{id}:<suffix>` under Redis Cluster, or `patrol:<id>:<suffix>` (DESIGN §4's spelling) otherwise. */
  const patrolKey = (prefix: string, patrolId: number | string, suffix: string, tagged = cluster) =>
    tagged ? `${prefix}patrol:{${patrolId}}:${suffix}` : `${prefix}patrol:${patrolId}:${suffix}`;
  /** A state-plane key, behind the `{sp}` tag under Redis Cluster. */
  const statePlane = (prefix: string, name: string) => (cluster ? `${prefix}${STATE_PLANE_TAG}:${name}` : `${prefix}${name}`);
  const names = {
    /** True under Redis Cluster: the cluster-mode names below are in use (README, "Redis Cluster"). */
    cluster,

    /** SET of active patrol ids in a scope unit: `zone:3:active_patrols`, `city:active_patrols` (cluster: `{sp}:zone:3:active_patrols`). */
    scopeSetKey: (prefix: string, scope: Scope) => statePlane(prefix, `${unit(scope)}:active_patrols`),

    /** HASH with a patrol's meta: `patrol:{id}:meta` (single Redis: the id without braces, as DESIGN §4 spells it). */
    patrolMetaKey: (prefix: string, patrolId: number) => patrolKey(prefix, patrolId, "meta"),

    /** STRING holding a vehicle's active patrol id: `vehicle:{id}:active_patrol` (cluster: `{sp}:vehicle:7:active_patrol`). */
    vehicleActivePatrolKey: (prefix: string, vehicleId: number) => statePlane(prefix, `vehicle:${vehicleId}:active_patrol`),

    /** Single Redis only: HASH patrol id → last TELEMETRY frame bytes, `patrol:last_status` (cluster: `patrolLastFrameKey`). */
    lastStatusKey: (prefix: string) => `${prefix}patrol:last_status`,

    /**
     * Redis Cluster only: STRING with a patrol's last TELEMETRY frame bytes, `patrol:{id}:last` — what the field of
     * `patrol:last_status` holds under a single Redis (one hash for every patrol cannot live in every patrol's slot).
     */
    patrolLastFrameKey: (prefix: string, patrolId: number | string) => patrolKey(prefix, patrolId, "last", true),

    /**
     * STRING (not part of the contract) with the `ts` of a patrol's last published point, kept beside its last frame
     * so the ingest script compares numbers instead of parsing the stored frame: `patrol:{id}:last_ts`, the id in
     * braces being its Redis Cluster hash tag (like every new key of one patrol).
     */
    patrolLastTsKey: (prefix: string, patrolId: number | string) => patrolKey(prefix, patrolId, "last_ts", true),

    /**
     * STRING (not part of the contract): frames the ingest script fanned out for one patrol in rate window number
     * `window`, against the per-patrol live budget (`TELEMETRY_RATE_PER_SECOND`); expires with the window:
     * `patrol:{id}:live_frames:{window}`.
     */
    patrolLiveFramesKey: (prefix: string, patrolId: number | string, window: number) => patrolKey(prefix, patrolId, `live_frames:${window}`, true),

    /**
     * STRING (not part of the contract): who ended a patrol from a dashboard, when and why (JSON `{by, at, reason}`),
     * kept for a day after the stop so the crew's device gets a 409 that says so instead of a bare "not active":
     * `patrol:{id}:ended` (in the patrol's slot, read by the ingest script).
     */
    patrolEndedKey: (prefix: string, patrolId: number | string) => patrolKey(prefix, patrolId, "ended", true),

    /**
     * Redis Cluster only: HASH (not part of the contract) mirroring, in the patrol's slot, what the ingest script
     * checks a credential against while the patrol is active: `gen` (the vehicle's token generation, as
     * `vehicle:{id}:token_gen`) and `dev` (the SHA-256 of its device id while enabled, as `device:{sha}:vehicle`):
     * `patrol:{id}:cred`. Written at start and on every revocation (lib/vehicles/credential-mirror.ts).
     */
    patrolCredentialKey: (prefix: string, patrolId: number | string) => patrolKey(prefix, patrolId, "cred", true),

    /** Data-plane channel of one patrol: `live:patrol:{id}` (cluster: with braces, a sharded channel in the patrol's slot). */
    patrolChannel: (prefix: string, patrolId: number) => (cluster ? `${prefix}live:patrol:{${patrolId}}` : `${prefix}live:patrol:${patrolId}`),

    /** Control-plane channel of a scope unit: `control:zone:3`, `control:city` (classic PUBLISH in both layouts). */
    controlChannel: (prefix: string, scope: Scope) => `${prefix}control:${unit(scope)}`,

    /**
     * STRING (not part of the contract): present once the state plane was built from PostgreSQL since this Redis
     * last started empty; its value is when (epoch ms). Redis keeps nothing on disk here, so its absence means the
     * sets may be missing patrols: `state_plane:ready` (cluster: `{sp}:state_plane:ready`, in the sets' slot).
     */
    statePlaneReadyKey: (prefix: string) => statePlane(prefix, "state_plane:ready"),

    /**
     * Redis Cluster only: STRING (not part of the contract) present once the state plane was written to hash slot
     * `slot` since its master last started empty: `state_plane:ready:{<tag>}`, `<tag>` a short string hashing to
     * `slot`. One per slot, written by every rebuild before `statePlaneReadyKey`: a shard that restarts empty (no
     * replica, no persistence) loses its slots' markers with their keys, which a script of that slot can tell.
     */
    slotReadyKey: (prefix: string, slot: number) => `${prefix}state_plane:ready:{${slotTag(slot)}}`,

    /** Redis Cluster only: the `slotReadyKey` of the slot `key` lives in (e.g. a patrol's, for its ingest script). */
    slotReadyKeyOf: (prefix: string, key: string) => `${prefix}state_plane:ready:{${slotTag(keySlot(key))}}`,

    /** Rate-limit counter (not part of the contract): `ratelimit:{bucket}:{id}:{window}`. */
    rateLimitKey: (prefix: string, bucket: string, id: string, window: number) => `${prefix}ratelimit:${bucket}:${id}:${window}`,

    /**
     * The failed-login counters of one client IP (lib/auth/login-throttle.ts), read and bumped together in one MULTI:
     * `account` for one account from that IP, `client` for the IP across accounts. Single Redis:
     * `ratelimit:login-account-client:{email}|{ip}:0`, `ratelimit:login-ip:{ip}:0`; Redis Cluster: the IP is the hash
     * tag of both, written first (an email may contain braces): `ratelimit:login-account-client:{ip}:{email}:0`.
     */
    loginFailureKeys: (prefix: string, email: string, ip: string) =>
      cluster
        ? { account: `${prefix}ratelimit:login-account-client:{${ip}}:${email}:0`, client: `${prefix}ratelimit:login-ip:{${ip}}:0` }
        : { account: `${prefix}ratelimit:login-account-client:${email}|${ip}:0`, client: `${prefix}ratelimit:login-ip:${ip}:0` },

    /**
     * The telemetry request counter of `vehicleId` posting to `patrolId` in rate window `window`:
     * `ratelimit:telemetry:{vehicleId}:{window}` (cluster: `ratelimit:telemetry:{patrolId}:{vehicleId}:{window}`, in the
     * patrol's slot for the ingest script; a vehicle has one active patrol, so the limit is still per vehicle).
     */
    telemetryRateKey: (prefix: string, vehicleId: number, patrolId: number, window: number) =>
      cluster ? `${prefix}ratelimit:telemetry:{${patrolId}}:${vehicleId}:${window}` : `${prefix}ratelimit:telemetry:${vehicleId}:${window}`,

    /**
     * STREAM (not part of the contract) of accepted points on their way to PostgreSQL: `history:points`, one for the
     * deployment. Entries carry `v` (vehicle id) and `f` (the TELEMETRY frame bytes); the history process drains and
     * deletes them. Under Redis Cluster one stream per patrol in its slot, `history:{id}` (a script may touch keys of
     * one slot only), so `patrolId` is required there.
     */
    historyStreamKey: (prefix: string, patrolId?: number) => {
      if (!cluster) return `${prefix}history:points`;
      if (patrolId === undefined) throw new Error("historyStreamKey: under Redis Cluster each patrol has its own stream; pass the patrol id");
      return `${prefix}history:{${patrolId}}`;
    },

    /**
     * HASH (not part of the contract) of every alert not yet resolved, alert id → AlertView JSON, so a SNAPSHOT
     * carries the open alerts in scope without SQL: `alerts:open`. Written after PostgreSQL (the source of truth) on
     * every raise and change, and rebuilt from it with the state plane.
     */
    openAlertsKey: (prefix: string) => `${prefix}alerts:open`,

    /**
     * HASH (not part of the contract) mirroring the access columns of one user, so sessions and the sidecar check
     * them without SQL: `v` (sessionVersion), `role`, `level`, `id`, and `revoked` ("disabled" or "deleted") or
     * `pending` (a change is being written) when set: `user:{id}:access`.
     */
    userAccessKey: (prefix: string, userId: number) => `${prefix}user:${userId}:access`,

    /** Control channel of one user (not part of the contract): "your access changed", to every worker holding their sockets. */
    userControlChannel: (prefix: string, userId: number) => `${prefix}control:user:${userId}`,

    /** True for a user's control channel (as opposed to a scope unit's). */
    isUserControlChannel: (prefix: string, channel: string) => channel.startsWith(`${prefix}control:user:`),

    /**
     * STRING (not part of the contract): the token generation a vehicle's device tokens must carry, mirrored from
     * `vehicles.tokenGeneration` for the telemetry script: `vehicle:{id}:token_gen`.
     */
    vehicleTokenGenerationKey: (prefix: string, vehicleId: number) => `${prefix}vehicle:${vehicleId}:token_gen`,

    /**
     * STRING (not part of the contract): the vehicle a device id (OsmAnd, §11) belongs to, by the SHA-256 (hex) of the
     * id — the id itself is a credential and is never stored: `device:{sha256}:vehicle` → vehicle id, or
     * `disabled:{vehicleId}` while the vehicle is disabled. Mirrored from `vehicles.deviceIdHash`; issuing a new id
     * deletes the old key.
     */
    deviceVehicleKey: (prefix: string, deviceIdHash: string) => `${prefix}device:${deviceIdHash}:vehicle`,

    /** STRING (not part of the contract) marking a realtime ticket used, until shortly after it expires (lib/realtime/consume-ticket.ts): `ticket:{jti}:used`. */
    ticketUsedKey: (prefix: string, jti: string) => `${prefix}ticket:${jti}:used`,

    /** Parses a data channel name (either layout's spelling) back to its patrol id, or null when it is not one. */
    patrolIdOfChannel(prefix: string, channel: string): number | null {
      const head = `${prefix}live:patrol:`;
      if (!channel.startsWith(head)) return null;
      const tail = channel.slice(head.length);
      const id = Number(tail.startsWith("{") && tail.endsWith("}") ? tail.slice(1, -1) : tail);
      return Number.isSafeInteger(id) && id > 0 ? id : null;
    },

    /** Pattern of every data channel, for observers and the benchmark's baselines (the product never PSUBSCRIBEs). */
    patrolChannelPattern: (prefix: string) => `${escapeGlob(prefix)}live:patrol:*`,

    /**
     * SCAN patterns covering every state-plane key (scope sets, meta hashes, vehicle keys, device keys and, under Redis
     * Cluster, credential mirrors) under `prefix`. Under Redis Cluster SCAN each master.
     */
    statePlaneScanPatterns: (prefix: string) =>
      (cluster
        ? ["{sp}:*:active_patrols", "patrol:{*}:meta", "{sp}:vehicle:*:active_patrol", "device:*:vehicle", "patrol:{*}:cred"]
        : ["*:active_patrols", "patrol:*:meta", "vehicle:*:active_patrol", "device:*:vehicle"]
      ).map((p) => escapeGlob(prefix) + p),

    /** Redis Cluster: the patrol a key of the form `patrol:{id}:…` belongs to, or null for any other key. */
    patrolIdOfKey(prefix: string, key: string): number | null {
      const match = key.startsWith(prefix) ? /^patrol:\{(\d+)\}:/.exec(key.slice(prefix.length)) : null;
      return match ? Number(match[1]) : null;
    },

    /** Redis Cluster: true for a key in the state plane's slot (`{sp}:…`); always false under a single Redis. */
    inStatePlaneSlot: (prefix: string, key: string) => cluster && key.startsWith(`${prefix}${STATE_PLANE_TAG}:`),

    /** Redis Cluster: SCAN pattern of every patrol's history stream, `history:{*}`. */
    historyStreamScanPattern: (prefix: string) => `${escapeGlob(prefix)}history:{*}`,

    /** Redis Cluster: SCAN pattern of every patrol's last frame, `patrol:{*}:last`. */
    lastFrameScanPattern: (prefix: string) => `${escapeGlob(prefix)}patrol:{*}:last`,

    /** True when `key` is a state-plane key of exactly this prefix (another deployment's prefix may share the Redis). */
    isStatePlaneKey(prefix: string, key: string): boolean {
      if (!key.startsWith(prefix)) return false;
      const pattern = cluster
        ? /^(?:\{sp\}:(?:(?:station|division|zone|district):\d+:active_patrols|city:active_patrols|vehicle:\d+:active_patrol)|patrol:\{\d+\}:(?:meta|cred)|device:[0-9a-f]{64}:vehicle)$/
        : /^(?:(?:station|division|zone|district):\d+:active_patrols|city:active_patrols|patrol:\d+:meta|vehicle:\d+:active_patrol|device:[0-9a-f]{64}:vehicle)$/;
      return pattern.test(key.slice(prefix.length));
    },
  };
  return names;
}

/** The names of this process's layout. */
export type KeyLayout = ReturnType<typeof keyLayout>;

/** The layout this process runs: Redis Cluster when `REDIS_CLUSTER_NODES` is set. */
const layout = keyLayout(env.REDIS_CLUSTER_NODES !== undefined);

export const {
  cluster: clusterLayout,
  scopeSetKey,
  patrolMetaKey,
  vehicleActivePatrolKey,
  lastStatusKey,
  patrolLastFrameKey,
  patrolLastTsKey,
  patrolLiveFramesKey,
  patrolEndedKey,
  patrolCredentialKey,
  patrolChannel,
  controlChannel,
  statePlaneReadyKey,
  slotReadyKey,
  slotReadyKeyOf,
  rateLimitKey,
  telemetryRateKey,
  loginFailureKeys,
  historyStreamKey,
  openAlertsKey,
  userAccessKey,
  userControlChannel,
  isUserControlChannel,
  vehicleTokenGenerationKey,
  deviceVehicleKey,
  ticketUsedKey,
  patrolIdOfChannel,
  patrolChannelPattern,
  statePlaneScanPatterns,
  isStatePlaneKey,
  patrolIdOfKey,
  inStatePlaneSlot,
  lastFrameScanPattern,
  historyStreamScanPattern,
} = layout;

/** Consumer group of the history process on its stream(s). */
export const HISTORY_GROUP = "history";

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

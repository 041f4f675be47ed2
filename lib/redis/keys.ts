import type { Scope } from "../scope";

/**
 * Every Redis key and channel name Sentinel uses (docs/ARCHITECTURE.md §3). The web tier and
 * the realtime sidecar both build names here; nothing else spells a key.
 * Each function takes the deployment prefix (`REDIS_PREFIX`, default "").
 */

const unit = (scope: Scope) => (scope.level === "city" ? "city" : `${scope.level}:${scope.id}`);

/** SET of active patrol ids in a scope unit: `zone:3:active_patrols`, `city:active_patrols`. */
export const scopeSetKey = (prefix: string, scope: Scope) => `${prefix}${unit(scope)}:active_patrols`;

/** HASH with a patrol's meta: `patrol:{id}:meta`. */
export const patrolMetaKey = (prefix: string, patrolId: number) => `${prefix}patrol:${patrolId}:meta`;

/** STRING holding a vehicle's active patrol id: `vehicle:{id}:active_patrol`. */
export const vehicleActivePatrolKey = (prefix: string, vehicleId: number) =>
  `${prefix}vehicle:${vehicleId}:active_patrol`;

/** HASH patrol id → last TELEMETRY frame bytes: `patrol:last_status`. */
export const lastStatusKey = (prefix: string) => `${prefix}patrol:last_status`;

/**
 * STRING (not part of the contract) with the `ts` of a patrol's last published point, kept beside
 * `patrol:last_status` so the ingest script compares numbers instead of parsing the stored frame:
 * `patrol:{id}:last_ts`, the id in braces being its Redis Cluster hash tag (like every new key of one patrol).
 */
export const patrolLastTsKey = (prefix: string, patrolId: number | string) => `${prefix}patrol:{${patrolId}}:last_ts`;

/**
 * STRING (not part of the contract): frames the ingest script fanned out for one patrol in rate window
 * number `window`, against the per-patrol live budget (`TELEMETRY_RATE_PER_SECOND`); expires with the
 * window: `patrol:{id}:live_frames:{window}`.
 */
export const patrolLiveFramesKey = (prefix: string, patrolId: number | string, window: number) => `${prefix}patrol:{${patrolId}}:live_frames:${window}`;

/**
 * STRING (not part of the contract): who ended a patrol from a dashboard, when and why (JSON `{by, at, reason}`), kept
 * for a day after the stop so the crew's device gets a 409 that says so instead of a bare "not active":
 * `patrol:{id}:ended` (in the patrol's slot, read by the ingest script).
 */
export const patrolEndedKey = (prefix: string, patrolId: number | string) => `${prefix}patrol:{${patrolId}}:ended`;

/** Data-plane channel of one patrol: `live:patrol:{id}`. */
export const patrolChannel = (prefix: string, patrolId: number) => `${prefix}live:patrol:${patrolId}`;

/** Control-plane channel of a scope unit: `control:zone:3`, `control:city`. */
export const controlChannel = (prefix: string, scope: Scope) => `${prefix}control:${unit(scope)}`;

/**
 * STRING (not part of the contract): present once the state plane was built from PostgreSQL since
 * this Redis last started empty; its value is when (epoch ms). Redis keeps nothing on disk here, so
 * its absence means the sets may be missing patrols: `state_plane:ready`.
 */
export const statePlaneReadyKey = (prefix: string) => `${prefix}state_plane:ready`;

/** Rate-limit counter (not part of the contract): `ratelimit:{bucket}:{id}:{window}`. */
export const rateLimitKey = (prefix: string, bucket: string, id: string, window: number) =>
  `${prefix}ratelimit:${bucket}:${id}:${window}`;

/**
 * STREAM (not part of the contract) of every accepted point on its way to PostgreSQL: `history:points`.
 * Entries carry `v` (vehicle id) and `f` (the TELEMETRY frame bytes); the history process drains and deletes them.
 * One stream for the whole deployment: under Redis Cluster it becomes one stream per patrol in the patrol's slot
 * (see the README's History section), because a script may touch keys of one slot only.
 */
export const historyStreamKey = (prefix: string) => `${prefix}history:points`;

/**
 * HASH (not part of the contract) of every alert not yet resolved, alert id → AlertView JSON, so a SNAPSHOT
 * carries the open alerts in scope without SQL: `alerts:open`. Written after PostgreSQL (the source of truth) on
 * every raise and change, and rebuilt from it with the state plane.
 */
export const openAlertsKey = (prefix: string) => `${prefix}alerts:open`;

/** Consumer group of the history process on `history:points`. */
export const HISTORY_GROUP = "history";

/**
 * HASH (not part of the contract) mirroring the access columns of one user, so sessions and the sidecar
 * check them without SQL: `v` (sessionVersion), `role`, `level`, `id`, and `revoked` ("disabled" or
 * "deleted") or `pending` (a change is being written) when set: `user:{id}:access`.
 */
export const userAccessKey = (prefix: string, userId: number) => `${prefix}user:${userId}:access`;

/** Control channel of one user (not part of the contract): "your access changed", to every worker holding their sockets. */
export const userControlChannel = (prefix: string, userId: number) => `${prefix}control:user:${userId}`;

/** True for a user's control channel (as opposed to a scope unit's). */
export const isUserControlChannel = (prefix: string, channel: string) => channel.startsWith(`${prefix}control:user:`);

/**
 * STRING (not part of the contract): the token generation a vehicle's device tokens must carry, mirrored
 * from `vehicles.tokenGeneration` for the telemetry script: `vehicle:{id}:token_gen`.
 */
export const vehicleTokenGenerationKey = (prefix: string, vehicleId: number) => `${prefix}vehicle:${vehicleId}:token_gen`;

/**
 * STRING (not part of the contract): the vehicle a device id (OsmAnd, §11) belongs to, by the SHA-256 (hex) of the id —
 * the id itself is a credential and is never stored: `device:{sha256}:vehicle` → vehicle id, or `disabled:{vehicleId}`
 * while the vehicle is disabled. Mirrored from `vehicles.deviceIdHash`; issuing a new id deletes the old key.
 */
export const deviceVehicleKey = (prefix: string, deviceIdHash: string) => `${prefix}device:${deviceIdHash}:vehicle`;

/** STRING (not part of the contract) marking a realtime ticket used, until shortly after it expires (lib/realtime/consume-ticket.ts): `ticket:{jti}:used`. */
export const ticketUsedKey = (prefix: string, jti: string) => `${prefix}ticket:${jti}:used`;

/** Parses a data channel name back to its patrol id, or null when it is not one. */
export function patrolIdOfChannel(prefix: string, channel: string): number | null {
  const head = `${prefix}live:patrol:`;
  if (!channel.startsWith(head)) return null;
  const id = Number(channel.slice(head.length));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** Pattern of every data channel, for observers and the benchmark's baselines (the product never PSUBSCRIBEs). */
export const patrolChannelPattern = (prefix: string) => `${escapeGlob(prefix)}live:patrol:*`;

/** SCAN patterns covering every state-plane key (scope sets, meta hashes, vehicle keys) under `prefix`. */
export const statePlaneScanPatterns = (prefix: string) =>
  ["*:active_patrols", "patrol:*:meta", "vehicle:*:active_patrol", "device:*:vehicle"].map((p) => escapeGlob(prefix) + p);

/** True when `key` is a state-plane key of exactly this prefix (another deployment's prefix may share the Redis). */
export function isStatePlaneKey(prefix: string, key: string): boolean {
  if (!key.startsWith(prefix)) return false;
  return /^(?:(?:station|division|zone|district):\d+:active_patrols|city:active_patrols|patrol:\d+:meta|vehicle:\d+:active_patrol|device:[0-9a-f]{64}:vehicle)$/.test(
    key.slice(prefix.length),
  );
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

import type { ChainableCommander } from "ioredis";
import type { PrismaClient } from "../generated/prisma/client";
import type { RedisClient } from "../redis/client";
import { clusterLayout, patrolCredentialKey, vehicleActivePatrolKey } from "../redis/keys";

/**
 * Redis Cluster only: the credential mirror `patrol:{id}:cred` of an active patrol (README, "Redis Cluster"). The
 * ingest script checks a device's credential in the patrol's slot, where the vehicle's own keys
 * (`vehicle:{id}:token_gen`, `device:{sha}:vehicle`) cannot be read, so each active patrol carries a copy: `gen`, the
 * vehicle's token generation, and `dev`, the SHA-256 of its device id while the vehicle is enabled.
 *
 * Invariant: every change of a credential writes its source (PostgreSQL, then the source key) first and the mirror
 * after, through the vehicle's active-patrol key; a start writes the mirror first and reads the source after its
 * last write (`confirmCredentials`). Whichever of the two comes second sees the other's write, so a revocation racing
 * a start cannot leave an active patrol with the old credential. Under a single Redis everything here does nothing.
 */

/** What a patrol's credential mirror holds. */
export interface PatrolCredentials {
  /** The vehicle's token generation (`vehicles.tokenGeneration`). */
  generation: number;
  /** SHA-256 of the vehicle's device id while the vehicle is enabled, else null (no device id is accepted). */
  deviceIdHash: string | null;
}

/** A vehicle's credentials as PostgreSQL has them now (null: no such vehicle). */
export async function readCredentials(prisma: PrismaClient, vehicleId: number): Promise<PatrolCredentials | null> {
  const row = await prisma.vehicle.findUnique({ where: { id: vehicleId }, select: { tokenGeneration: true, enabled: true, deviceIdHash: true } });
  return row && credentialsOf(row);
}

/** The mirror's content for a vehicle row. */
export const credentialsOf = (row: { tokenGeneration: number; enabled: boolean; deviceIdHash: string | null }): PatrolCredentials => ({
  generation: row.tokenGeneration,
  deviceIdHash: row.enabled ? row.deviceIdHash : null,
});

/** Queues the writing of a patrol's mirror on a MULTI of the patrol's slot (replacing what was there). */
export function queueCredentials(tx: ChainableCommander, prefix: string, patrolId: number, credentials: PatrolCredentials): void {
  const key = patrolCredentialKey(prefix, patrolId);
  tx.del(key);
  // `gen` is always written (0 included): the hash exists exactly while the patrol is active, which the script relies on.
  tx.hset(key, { gen: String(credentials.generation), ...(credentials.deviceIdHash ? { dev: credentials.deviceIdHash } : {}) });
}

/**
 * Sets one field of a patrol's mirror if the patrol is still active (its hash exists). KEYS: 1 mirror. ARGV: 1 field,
 * 2 value ('' deletes the field), 3 '1' when a lower number must not replace a higher one (token generations: the
 * rule of `vehicle:{id}:token_gen`, so racing writers leave the newer).
 */
const WRITE_FIELD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[3] == '1' then
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
  if current and current > tonumber(ARGV[2]) then return 0 end
end
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
`;

/**
 * After the vehicle's token generation was written to `vehicle:{id}:token_gen`: the same write to its active patrol's
 * mirror, if it has one (`revoking`: the value that refuses every token, written whatever is there). Under a single
 * Redis, nothing.
 */
export async function mirrorTokenGeneration(redis: RedisClient, prefix: string, vehicleId: number, generation: string, revoking = false): Promise<void> {
  if (!clusterLayout) return;
  const patrolId = await redis.get(vehicleActivePatrolKey(prefix, vehicleId));
  if (patrolId) await writeField(redis, prefix, Number(patrolId), "gen", generation, !revoking);
}

/**
 * After the vehicle's device key changed (a new id, the old one dropped, the vehicle disabled or enabled): its active
 * patrol's mirror accepts `deviceIdHash` (null: no device id). Under a single Redis, nothing.
 */
export async function mirrorDeviceId(redis: RedisClient, prefix: string, vehicleId: number, deviceIdHash: string | null): Promise<void> {
  if (!clusterLayout) return;
  const patrolId = await redis.get(vehicleActivePatrolKey(prefix, vehicleId));
  if (patrolId) await writeField(redis, prefix, Number(patrolId), "dev", deviceIdHash ?? "", false);
}

/**
 * The start's half of the invariant: once the state plane names the patrol, reads the vehicle's credentials again and
 * rewrites the mirror if they changed since `written` (a revocation that ran before it could find the patrol).
 */
export async function confirmCredentials(prisma: PrismaClient, redis: RedisClient, prefix: string, patrolId: number, vehicleId: number, written: PatrolCredentials): Promise<void> {
  if (!clusterLayout) return;
  const now = await readCredentials(prisma, vehicleId);
  if (!now) return;
  if (now.generation !== written.generation) await writeField(redis, prefix, patrolId, "gen", String(now.generation), true);
  if (now.deviceIdHash !== written.deviceIdHash) await writeField(redis, prefix, patrolId, "dev", now.deviceIdHash ?? "", false);
}

async function writeField(redis: RedisClient, prefix: string, patrolId: number, field: "gen" | "dev", value: string, keepNewer: boolean): Promise<void> {
  await redis.eval(WRITE_FIELD_LUA, 1, patrolCredentialKey(prefix, patrolId), field, value, keepNewer ? "1" : "0");
}

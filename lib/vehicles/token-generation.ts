import type { RedisClient } from "../redis/client";
import type { ChainableCommander } from "ioredis";
import { vehicleTokenGenerationKey } from "../redis/keys";
import { mirrorTokenGeneration } from "./credential-mirror";

/**
 * The token generation of each vehicle, mirrored from PostgreSQL
 * (`vehicles.tokenGeneration`) into `vehicle:{id}:token_gen`, where the
 * telemetry script compares it with the generation a device token carries.
 * No key means generation 0 (a vehicle never disabled nor re-keyed); a
 * change first writes `REVOKING`, which matches no token, so until the new
 * generation is written every token of the vehicle is refused.
 */

/** Value written while a vehicle's generation changes: no token carries it. */
const REVOKING = "-1";

/** Writes the generation unless a newer one is there (racing writers: the newer wins). KEYS: 1 the key. ARGV: 1 generation. */
const WRITE_LUA = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** Refuses every token of the vehicle until `writeTokenGeneration` (call before changing the row). */
export async function revokeTokens(redis: RedisClient, prefix: string, vehicleId: number): Promise<void> {
  await redis.set(vehicleTokenGenerationKey(prefix, vehicleId), REVOKING);
  // Source first, then (Redis Cluster) the active patrol's mirror: lib/vehicles/credential-mirror.ts.
  await mirrorTokenGeneration(redis, prefix, vehicleId, REVOKING, true);
}

/** Mirrors the vehicle's current generation (after issuing a token, or after a change committed). */
export async function writeTokenGeneration(redis: RedisClient, prefix: string, vehicleId: number, generation: number): Promise<void> {
  await redis.eval(WRITE_LUA, 1, vehicleTokenGenerationKey(prefix, vehicleId), generation);
  await mirrorTokenGeneration(redis, prefix, vehicleId, String(generation));
}

/** The same write queued on a MULTI (the state-plane rebuild writes every vehicle at once). */
export function queueTokenGeneration(batch: ChainableCommander, prefix: string, vehicleId: number, generation: number): void {
  batch.eval(WRITE_LUA, 1, vehicleTokenGenerationKey(prefix, vehicleId), generation);
}

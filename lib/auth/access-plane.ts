import type { ChainableCommander } from "ioredis";
import type { PrismaClient } from "../generated/prisma/client";
import { queueTokenGeneration } from "../vehicles/token-generation";
import { queueUserAccess, type UserAccessRow } from "./access-state";

/** The access plane as PostgreSQL has it: every user's access columns, every vehicle's token generation and device id (hashed). */
export interface AccessPlane {
  users: UserAccessRow[];
  vehicles: { id: number; tokenGeneration: number; enabled: boolean; deviceIdHash: string | null }[];
}

/** Reads the access plane from PostgreSQL (one query per table). */
export async function readAccessPlane(prisma: PrismaClient): Promise<AccessPlane> {
  const users = await prisma.user.findMany({
    select: { id: true, sessionVersion: true, disabled: true, role: true, scopeLevel: true, scopeId: true },
    orderBy: { id: "asc" },
  });
  const vehicles = await prisma.vehicle.findMany({ select: { id: true, tokenGeneration: true, enabled: true, deviceIdHash: true }, orderBy: { id: "asc" } });
  return { users, vehicles };
}

/**
 * Queues, on `batch` (the state-plane rebuild's MULTI), a write of every
 * user's access hash and every vehicle's token generation, so that after Redis lost everything sessions and live
 * sockets are checked against the organisation as it is before the plane is
 * marked ready. Each write keeps a newer version already there (a change made meanwhile).
 */
export function queueAccessPlane(batch: ChainableCommander, prefix: string, plane: AccessPlane): void {
  for (const user of plane.users) queueUserAccess(batch, prefix, user);
  for (const vehicle of plane.vehicles) queueTokenGeneration(batch, prefix, vehicle.id, vehicle.tokenGeneration);
}

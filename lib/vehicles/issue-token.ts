import { z } from "zod";
import { verifyDeviceSecret } from "../auth/password";
import { signVehicleToken, vehicleDisabled } from "../auth/tokens";
import { prisma } from "../db";
import { redis, redisPrefix } from "../redis/client";
import { writeTokenGeneration } from "./token-generation";
import { AppError } from "../errors";
import { log } from "../log";
import type { VehicleToken } from "../openapi/responses";
import { MAX_ROW_ID } from "../row-id";

/** Body of `POST /api/vehicles/token`. */
export const tokenRequestSchema = z.strictObject({
  vehicleId: z.number().int().positive().max(MAX_ROW_ID).describe("The vehicle's id, as the admin API lists it."),
  secret: z.string().min(1).max(256).describe("The device secret shown once when the vehicle was created or its secret rotated."),
});

/**
 * Exchanges a vehicle's device secret for a bearer token. Wrong id or secret
 * give the same 401 so ids cannot be probed; a disabled vehicle gets 403.
 */
export async function issueVehicleToken(input: z.infer<typeof tokenRequestSchema>): Promise<VehicleToken> {
  const vehicle = await prisma.vehicle.findUnique({
    where: { id: input.vehicleId },
    select: { id: true, secretHash: true, enabled: true, tokenGeneration: true },
  });
  if (!vehicle || !verifyDeviceSecret(vehicle.secretHash, input.secret)) {
    log.info({ vehicleId: input.vehicleId }, "vehicle token refused");
    throw new AppError("INVALID_CREDENTIALS", "Unknown vehicle id or wrong device secret. Ask an admin to rotate the secret if it was lost.");
  }
  if (!vehicle.enabled) {
    throw vehicleDisabled();
  }
  // The telemetry script compares tokens with this (also heals a change whose own write to Redis failed).
  await writeTokenGeneration(redis(), redisPrefix, vehicle.id, vehicle.tokenGeneration).catch((err: unknown) =>
    log.warn({ err: String(err), vehicleId: vehicle.id }, "token generation not mirrored to Redis"),
  );
  return signVehicleToken(vehicle.id, vehicle.tokenGeneration);
}

import "server-only";
import { z } from "zod";
import { hashDeviceSecret, newDeviceSecret } from "../auth/password";
import { recordAudit, type AuditActor } from "../audit/record";
import { prisma } from "../db";
import { log } from "../log";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import { revokeTokens, writeTokenGeneration } from "../vehicles/token-generation";
import { type AdminResource, assertUnreferenced, found, guardDelete, guardWrite, refField, visibleText } from "./crud";
import { requireStation } from "./units";

// Never secretHash: the device secret is shown once, at creation or rotation.
const VEHICLE_FIELDS = { id: true, callSign: true, registration: true, homeStationId: true, enabled: true } as const;

/** A vehicle as the admin API shows it. */
export interface VehicleItem {
  id: number;
  callSign: string;
  registration: string;
  homeStationId: number;
  enabled: boolean;
}

const createSchema = z.strictObject({
  callSign: visibleText(32),
  registration: visibleText(32),
  homeStationId: refField,
  /** Default: true. */
  enabled: z.boolean().optional(),
});
const updateSchema = createSchema.partial();

/** Admin CRUD for vehicles; creating one returns its device secret, once. */
export const vehicles: AdminResource<
  VehicleItem,
  z.infer<typeof createSchema>,
  z.infer<typeof updateSchema>,
  VehicleItem & { secret: string }
> = {
  noun: "vehicle",
  createSchema,
  updateSchema,

  list: () => prisma.vehicle.findMany({ select: VEHICLE_FIELDS, orderBy: { id: "asc" } }),

  async get(id) {
    return found(await prisma.vehicle.findUnique({ where: { id }, select: VEHICLE_FIELDS }), "vehicle", id);
  },

  async create(input) {
    await requireStation(input.homeStationId, "homeStationId");
    const secret = newDeviceSecret();
    const vehicle = await guardWrite("vehicle", input, () =>
      prisma.vehicle.create({ data: { ...input, secretHash: hashDeviceSecret(secret) }, select: VEHICLE_FIELDS }),
    );
    return { ...vehicle, secret };
  },

  async update(id, input) {
    const current = await vehicles.get(id);
    if (input.homeStationId !== undefined) await requireStation(input.homeStationId, "homeStationId");
    const revokes = input.enabled !== undefined && input.enabled !== current.enabled;
    if (!revokes) return guardWrite("vehicle", input, () => prisma.vehicle.update({ where: { id }, data: input, select: VEHICLE_FIELDS }), id);
    // Disabling (or re-enabling) ends every device token issued before, from the next request.
    const { tokenGeneration: _generation, ...updated } = await withNewTokenGeneration(id, () =>
      guardWrite(
        "vehicle",
        input,
        () =>
          prisma.vehicle.update({
            where: { id },
            data: { ...input, tokenGeneration: { increment: 1 } },
            select: { ...VEHICLE_FIELDS, tokenGeneration: true },
          }),
        id,
      ),
    );
    return updated;
  },

  async remove(id) {
    const { callSign } = await vehicles.get(id);
    const patrols = await prisma.patrol.count({ where: { vehicleId: id } });
    const disable = "patrol history is kept, so disable the vehicle instead (untick “Enabled”; enabled: false)";
    assertUnreferenced(callSign, [{ count: patrols, what: ["patrol record", "patrol records"], fix: [disable, disable] }]);
    await guardDelete("vehicle", id, () => prisma.vehicle.delete({ where: { id } }));
  },
};

/**
 * Replaces a vehicle's device secret and returns the new one (shown once),
 * audited as `vehicle.secret`. The old secret stops working for new token
 * requests at once, and tokens issued with it are refused from the next request.
 */
export async function rotateVehicleSecret(id: number, actor: AuditActor): Promise<{ secret: string }> {
  const secret = newDeviceSecret();
  await withNewTokenGeneration(id, () =>
    guardWrite("vehicle", {}, () =>
      prisma.vehicle.update({
        where: { id },
        data: { secretHash: hashDeviceSecret(secret), tokenGeneration: { increment: 1 } },
        select: { tokenGeneration: true },
      }),
      id,
    ),
  );
  log.info({ userId: actor.userId, vehicleId: id }, "vehicle secret rotated");
  await recordAudit({ action: "vehicle.secret", actor, target: `vehicle:${id}` });
  return { secret };
}

/**
 * Runs `change`, which moves the vehicle's token generation on (`increment: 1`), so every device token
 * issued before is refused: first every token of the vehicle is refused in Redis (the telemetry path
 * checks there), then the row changes, then the new generation is mirrored. A failed change restores the
 * current generation.
 */
async function withNewTokenGeneration<T extends { tokenGeneration: number }>(id: number, change: () => Promise<T>): Promise<T> {
  const { tokenGeneration } = found(await prisma.vehicle.findUnique({ where: { id }, select: { tokenGeneration: true } }), "vehicle", id);
  await redisCall(revokeTokens(redis(), redisPrefix, id));
  let result: T;
  try {
    result = await change();
  } catch (err) {
    await writeTokenGeneration(redis(), redisPrefix, id, tokenGeneration).catch(() => undefined);
    throw err;
  }
  await writeTokenGeneration(redis(), redisPrefix, id, result.tokenGeneration).catch((err: unknown) =>
    log.error({ err: String(err), vehicleId: id }, "token generation not mirrored to Redis; the vehicle's tokens stay refused until it requests a new one"),
  );
  return result;
}

import "server-only";
import { z } from "zod";
import { hashDeviceSecret, newDeviceSecret } from "../auth/password";
import { recordAudit, type AuditActor } from "../audit/record";
import { prisma } from "../db";
import { log } from "../log";
import { type AdminResource, assertUnreferenced, found, guardDelete, guardWrite, notFound, refField } from "./crud";
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
  callSign: z.string().trim().min(1).max(32),
  registration: z.string().trim().min(1).max(32),
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
    await vehicles.get(id);
    if (input.homeStationId !== undefined) await requireStation(input.homeStationId, "homeStationId");
    return guardWrite("vehicle", input, () => prisma.vehicle.update({ where: { id }, data: input, select: VEHICLE_FIELDS }), id);
  },

  async remove(id) {
    await vehicles.get(id);
    const patrols = await prisma.patrol.count({ where: { vehicleId: id } });
    assertUnreferenced("vehicle", id, [
      { count: patrols, what: "patrol record(s)", fix: "patrol history is kept, so disable the vehicle (enabled: false) instead" },
    ]);
    await guardDelete("vehicle", id, () => prisma.vehicle.delete({ where: { id } }));
  },
};

/**
 * Replaces a vehicle's device secret and returns the new one (shown once),
 * audited as `vehicle.secret`. The old secret stops working for new token requests at once.
 */
export async function rotateVehicleSecret(id: number, actor: AuditActor): Promise<{ secret: string }> {
  const secret = newDeviceSecret();
  const { count } = await prisma.vehicle.updateMany({ where: { id }, data: { secretHash: hashDeviceSecret(secret) } });
  if (count === 0) throw notFound("vehicle", id);
  log.info({ userId: actor.userId, vehicleId: id }, "vehicle secret rotated");
  await recordAudit({ action: "vehicle.secret", actor, target: `vehicle:${id}` });
  return { secret };
}

import "server-only";
import { z } from "zod";
import { hashDeviceSecret, newDeviceSecret } from "../auth/password";
import { recordAudit, type AuditActor } from "../audit/record";
import { prisma } from "../db";
import { log } from "../log";
import type { DeviceIdIssued } from "../openapi/responses";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import { deviceVehicleKey } from "../redis/keys";
import { deviceKeyValue, hashDeviceId, newDeviceId } from "../vehicles/device-id";
import { mirrorDeviceId } from "../vehicles/credential-mirror";
import { revokeTokens, writeTokenGeneration } from "../vehicles/token-generation";
import { type AdminResource, assertUnreferenced, found, guardDelete, guardWrite, refField, visibleText } from "./crud";
import { requireStation } from "./units";

// Never secretHash nor deviceIdHash: the device secret and the device id are shown once, when issued.
const VEHICLE_FIELDS = { id: true, callSign: true, registration: true, homeStationId: true, enabled: true, deviceIdIssuedAt: true } as const;

/** A vehicle as the admin API shows it. */
export interface VehicleItem {
  id: number;
  callSign: string;
  registration: string;
  homeStationId: number;
  enabled: boolean;
  /** When its current device id (a phone over the OsmAnd protocol) was issued, epoch ms; null: no phone set up. */
  deviceIdIssuedAt: number | null;
}

type VehicleRow = Omit<VehicleItem, "deviceIdIssuedAt"> & { deviceIdIssuedAt: Date | null };

const item = <T extends VehicleRow>({ deviceIdIssuedAt, ...row }: T): Omit<T, "deviceIdIssuedAt"> & VehicleItem => ({
  ...row,
  deviceIdIssuedAt: deviceIdIssuedAt?.getTime() ?? null,
});

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

  list: async () => (await prisma.vehicle.findMany({ select: VEHICLE_FIELDS, orderBy: { id: "asc" } })).map(item),

  async get(id) {
    return item(found(await prisma.vehicle.findUnique({ where: { id }, select: VEHICLE_FIELDS }), "vehicle", id));
  },

  async create(input) {
    await requireStation(input.homeStationId, "homeStationId");
    const secret = newDeviceSecret();
    const vehicle = await guardWrite("vehicle", input, () =>
      prisma.vehicle.create({ data: { ...input, secretHash: hashDeviceSecret(secret) }, select: VEHICLE_FIELDS }),
    );
    return { ...item(vehicle), secret };
  },

  async update(id, input) {
    const current = await vehicles.get(id);
    if (input.homeStationId !== undefined) await requireStation(input.homeStationId, "homeStationId");
    const revokes = input.enabled !== undefined && input.enabled !== current.enabled;
    if (!revokes) return item(await guardWrite("vehicle", input, () => prisma.vehicle.update({ where: { id }, data: input, select: VEHICLE_FIELDS }), id));
    // Disabling (or re-enabling) ends every device token issued before, from the next request; a phone's device id
    // answers 403 while the vehicle is disabled (its key says so before the row changes, and after).
    if (input.enabled === false) await mirrorDeviceKey(id, false);
    const { tokenGeneration: _generation, deviceIdHash: _hash, ...updated } = await withNewTokenGeneration(id, () =>
      guardWrite(
        "vehicle",
        input,
        () =>
          prisma.vehicle.update({
            where: { id },
            data: { ...input, tokenGeneration: { increment: 1 } },
            select: { ...VEHICLE_FIELDS, tokenGeneration: true, deviceIdHash: true },
          }),
        id,
      ),
    ).catch(async (err: unknown) => {
      if (input.enabled === false) await mirrorDeviceKey(id, current.enabled).catch(() => undefined);
      throw err;
    });
    await mirrorDeviceKey(id, updated.enabled, _hash).catch((err: unknown) =>
      log.error({ err: String(err), vehicleId: id }, "device id key not mirrored to Redis; run npm run state:rebuild"),
    );
    return item(updated);
  },

  async remove(id) {
    const { callSign } = await vehicles.get(id);
    const patrols = await prisma.patrol.count({ where: { vehicleId: id } });
    const disable = "patrol history is kept, so disable the vehicle instead (untick “Enabled”; enabled: false)";
    assertUnreferenced(callSign, [{ count: patrols, what: ["patrol record", "patrol records"], fix: [disable, disable] }]);
    const { deviceIdHash } = found(await prisma.vehicle.findUnique({ where: { id }, select: { deviceIdHash: true } }), "vehicle", id);
    await guardDelete("vehicle", id, () => prisma.vehicle.delete({ where: { id } }));
    // Its phone is unknown from the next point (a key left behind by a failure names a vehicle that no longer exists: 404 too).
    if (deviceIdHash) await redisCall(redis().del(deviceVehicleKey(redisPrefix, deviceIdHash))).catch(() => undefined);
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
 * Issues a new device id for a vehicle (a phone or GPS unit over the OsmAnd protocol) and returns it, once; audited
 * as `vehicle.device_id`. The previous id stops working first (its Redis key goes before the row changes), so a
 * replaced phone is refused (404) from its next point; the new id works once its key is written, right after.
 */
export async function issueDeviceId(id: number, actor: AuditActor): Promise<DeviceIdIssued> {
  const before = found(await prisma.vehicle.findUnique({ where: { id }, select: { deviceIdHash: true, enabled: true } }), "vehicle", id);
  const deviceId = newDeviceId();
  const hash = hashDeviceId(deviceId);
  if (before.deviceIdHash) {
    await redisCall(redis().del(deviceVehicleKey(redisPrefix, before.deviceIdHash)));
    // Source first, then (Redis Cluster) the active patrol's credential mirror: lib/vehicles/credential-mirror.ts.
    await redisCall(mirrorDeviceId(redis(), redisPrefix, id, null));
  }
  const row = await guardWrite(
    "vehicle",
    {},
    () =>
      prisma.vehicle.update({ where: { id }, data: { deviceIdHash: hash, deviceIdIssuedAt: new Date() }, select: { enabled: true, deviceIdIssuedAt: true } }),
    id,
  );
  await redisCall(redis().set(deviceVehicleKey(redisPrefix, hash), deviceKeyValue(id, row.enabled)));
  await redisCall(mirrorDeviceId(redis(), redisPrefix, id, row.enabled ? hash : null));
  log.info({ userId: actor.userId, vehicleId: id, replaced: Boolean(before.deviceIdHash) }, "vehicle device id issued");
  await recordAudit({ action: "vehicle.device_id", actor, target: `vehicle:${id}`, detail: { replaced: Boolean(before.deviceIdHash) } });
  return { deviceId, deviceIdIssuedAt: row.deviceIdIssuedAt!.getTime() };
}

/** Writes the vehicle's device key (when it has a device id) as enabled or disabled; `hash` when already read. */
async function mirrorDeviceKey(id: number, enabled: boolean, hash?: string | null): Promise<void> {
  const deviceIdHash = hash === undefined ? (await prisma.vehicle.findUnique({ where: { id }, select: { deviceIdHash: true } }))?.deviceIdHash : hash;
  if (!deviceIdHash) return;
  await redisCall(redis().set(deviceVehicleKey(redisPrefix, deviceIdHash), deviceKeyValue(id, enabled)));
  await redisCall(mirrorDeviceId(redis(), redisPrefix, id, enabled ? deviceIdHash : null));
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

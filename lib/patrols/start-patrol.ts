import { z } from "zod";
import { tokenRevoked, vehicleDisabled, type DeviceIdentity } from "../auth/tokens";
import { Prisma, prisma } from "../db";
import { AppError } from "../errors";
import { log } from "../log";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import type { PatrolMeta } from "../realtime/protocol";
import { clusterLayout, patrolChannel, vehicleActivePatrolKey } from "../redis/keys";
import { confirmCredentials, readCredentials } from "../vehicles/credential-mirror";
import type { StartedPatrol } from "../openapi/responses";
import { MAX_ROW_ID } from "../row-id";
import { PATROL_META_SELECT, toPatrolMeta } from "./patrol-meta";
import { addActivePatrol, removeActivePatrol } from "./state-plane";

/** Body of `POST /api/patrols/start`: the station patrolled for (default: the vehicle's home station). */
export const startPatrolSchema = z.strictObject({
  stationId: z.number().int().positive().max(MAX_ROW_ID).optional().describe("The station patrolled for. Default: the vehicle's home station."),
});

/**
 * Starts a patrol for the device's vehicle: one lookup of the vehicle (a
 * revoked token or a disabled vehicle stops here), then one transaction that
 * reads the station FOR SHARE and inserts the ACTIVE row (the database's
 * partial unique index settles racing starts), then one Redis MULTI for every
 * plane. The share lock makes a station move wait for this start to commit,
 * so its active-patrol check sees the patrol (lib/admin/crud.ts); a start that
 * waited for a move copies the station's new chain. If Redis fails the row is
 * removed again, so no ACTIVE patrol exists only in SQL.
 */
export async function startPatrol(device: DeviceIdentity, input: z.infer<typeof startPatrolSchema>): Promise<StartedPatrol> {
  const { vehicleId } = device;
  const vehicle = await prisma.vehicle.findUnique({
    where: { id: vehicleId },
    select: { callSign: true, enabled: true, homeStationId: true, tokenGeneration: true },
  });
  if (!vehicle) throw new AppError("INVALID_TOKEN", "This vehicle no longer exists; request a new token.");
  if (vehicle.tokenGeneration !== device.generation) throw tokenRevoked();
  if (!vehicle.enabled) throw vehicleDisabled();
  return beginPatrol(vehicleId, vehicle.callSign, input.stationId ?? vehicle.homeStationId, false);
}


/**
 * Starts a patrol at its home station for a vehicle whose device knows nothing of patrols (a phone over the OsmAnd
 * protocol, whose first point starts it): marked `autoStarted`, so the idle sweeper stops it. The caller checked the
 * vehicle (enabled, its device id current). Racing first points: the loser's 409 names the winner's patrol.
 */
export async function autoStartPatrol(vehicleId: number, callSign: string, homeStationId: number): Promise<StartedPatrol> {
  return beginPatrol(vehicleId, callSign, homeStationId, true);
}

async function beginPatrol(vehicleId: number, callSign: string, stationId: number, autoStarted: boolean): Promise<StartedPatrol> {
  let patrol: { id: number; startedAt: Date; stationId: number; divisionId: number; zoneId: number; districtId: number };
  try {
    patrol = await prisma.$transaction(async (tx) => {
      const [station] = await tx.$queryRaw<{ id: number; divisionId: number; zoneId: number; districtId: number }[]>`
        SELECT id, "divisionId", "zoneId", "districtId" FROM stations WHERE id = ${stationId} FOR SHARE`;
      if (!station) throw new AppError("NOT_FOUND", `Station ${stationId} does not exist.`);
      return tx.patrol.create({
        data: {
          vehicleId,
          autoStarted,
          stationId: station.id,
          divisionId: station.divisionId,
          zoneId: station.zoneId,
          districtId: station.districtId,
        },
        select: { id: true, startedAt: true, stationId: true, divisionId: true, zoneId: true, districtId: true },
      });
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw await alreadyOnPatrol(vehicleId);
    throw err;
  }

  const meta = toPatrolMeta({ ...patrol, vehicleId, vehicle: { callSign } });
  try {
    await writeLiveState(meta);
  } catch (err) {
    await prisma.patrol.delete({ where: { id: patrol.id } }).catch((e: unknown) => {
      log.error({ err: e, patrolId: patrol.id }, "could not roll back patrol after Redis failure; run npm run state:rebuild");
    });
    throw err;
  }
  log.info({ patrolId: patrol.id, vehicleId, stationId: patrol.stationId, ...(autoStarted ? { autoStarted } : {}) }, "patrol started");
  return { patrolId: patrol.id, channel: patrolChannel(redisPrefix, patrol.id), startedAt: meta.startedAt };
}

/**
 * Writes an active patrol's live state (lib/patrols/state-plane.ts). Under Redis Cluster its credential mirror is
 * read from PostgreSQL first and confirmed after the state plane names the patrol (the mirror's invariant:
 * lib/vehicles/credential-mirror.ts); under a single Redis the script reads the vehicle's own keys.
 */
async function writeLiveState(meta: PatrolMeta): Promise<void> {
  const credentials = clusterLayout ? await readCredentials(prisma, meta.vehicleId) : null;
  await redisCall(addActivePatrol(redis(), redisPrefix, meta, credentials ?? undefined));
  if (credentials) await redisCall(confirmCredentials(prisma, redis(), redisPrefix, meta.patrolId, meta.vehicleId, credentials));
}

/**
 * The 409 for a vehicle already on patrol. A start retried after the web
 * process died between its INSERT and its Redis MULTI lands here too: the row
 * exists but was never announced, so its live state is restored first.
 */
async function alreadyOnPatrol(vehicleId: number): Promise<AppError> {
  const active = await prisma.patrol.findFirst({ where: { vehicleId, status: "ACTIVE" }, select: PATROL_META_SELECT });
  if (active) await restoreLiveState(toPatrolMeta(active));
  const patrolId = active?.id ?? null;
  return new AppError(
    "ALREADY_ON_PATROL",
    `This vehicle is already on patrol ${patrolId}; stop it (POST /api/patrols/${patrolId}/stop) before starting another.`,
    { patrolId },
    {},
    { patrolId },
  );
}

/**
 * Writes an ACTIVE patrol's state if Redis lacks it (best effort: the 409
 * stands either way). A stop that ended it while we wrote may have cleared
 * Redis first, so the row is read again and the state removed if it ended.
 */
async function restoreLiveState(meta: PatrolMeta): Promise<void> {
  try {
    const r = redis();
    if ((await r.get(vehicleActivePatrolKey(redisPrefix, meta.vehicleId))) === String(meta.patrolId)) return;
    await writeLiveState(meta);
    const now = await prisma.patrol.findUnique({ where: { id: meta.patrolId }, select: { status: true } });
    if (now?.status !== "ACTIVE") await removeActivePatrol(r, redisPrefix, meta);
    else log.info({ patrolId: meta.patrolId, vehicleId: meta.vehicleId }, "active patrol was missing from Redis; restored on a repeated start");
  } catch (err) {
    log.warn({ err: String(err), patrolId: meta.patrolId }, "could not restore an active patrol's live state");
  }
}

import { env } from "../env";
import { AppError } from "../errors";
import { prisma } from "../db";
import { soundSos } from "../alerts/sos";
import { ENDED_SELECT, endedByUser, endedNoticeOf, parseEndedNotice } from "../patrols/ended-notice";
import { PATROL_META_SELECT, toPatrolMeta } from "../patrols/patrol-meta";
import { vehicleDisabled } from "../auth/tokens";
import { autoStartPatrol } from "../patrols/start-patrol";
import { ensureStatePlane } from "../patrols/watch-state-plane";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import { clusterLayout, deviceVehicleKey, slotReadyKeyOf, statePlaneReadyKey, vehicleActivePatrolKey } from "../redis/keys";
import { ingestOutcome, runIngest } from "../telemetry/ingest";
import type { TelemetryPoint } from "../telemetry/schema";
import { hashDeviceId, normalizeDeviceId, parseDeviceKeyValue } from "../vehicles/device-id";
import type { OsmandRequest } from "./schema";

/**
 * Positions from phones and GPS units over the OsmAnd protocol (DESIGN §11), on the same hot path as
 * `POST /api/telemetry`: for a device this process has seen on its current patrol, one ingest-script call — no SQL,
 * one Redis round trip — whose credential check is the device key (`device:{sha256}:vehicle` must still name the
 * vehicle). Anything the cache no longer matches (a new or revoked device id, a disabled vehicle, a patrol that
 * ended or changed) costs a Redis read or two to learn the truth, and a vehicle without an active patrol gets one
 * started at its home station (SQL, once per patrol).
 */

/** What this process learned about a device id: its vehicle, and the patrol its points went to. */
interface KnownDevice {
  vehicleId: number;
  /** The SHA-256 of the device id (its Redis key's name, and what a patrol's credential mirror holds under Redis Cluster). */
  hash: string;
  patrolId: number | null;
}

/** Device ids seen, by canonical id; bounded (oldest first out). Entries are only made after Redis confirmed the id. */
const known = new Map<string, KnownDevice>();
const MAX_KNOWN = 20_000;

/**
 * Vehicles whose patrol a commander ended recently, by vehicle id → until when (epoch ms) its device's points are
 * refused instead of starting a new patrol: learned from PostgreSQL once, then answered without it.
 */
const endedByCommander = new Map<number, { until: number; error: AppError }>();

const unknownDevice = () =>
  new AppError("NOT_FOUND", "Unknown device id: set up this phone in the admin console (Vehicles → Set up a phone) and enter the id it shows.");

/** Ingests a decoded OsmAnd request; throws the AppError the device should get (400/403/404/409/429/503). */
export async function ingestOsmand(request: OsmandRequest, now = Date.now()): Promise<void> {
  const id = normalizeDeviceId(request.deviceId);
  if (!id) throw unknownDevice();
  let device = known.get(id) ?? (await lookUpDevice(id));
  // Each pass either succeeds or learns something true that the next uses; three passes cover every change at once
  // (a replaced id is found on the first, a new patrol on the second).
  for (let pass = 0; pass < 3; pass++) {
    const patrolId = device.patrolId ?? (await activePatrolOf(device, now));
    device.patrolId = patrolId;
    const points: TelemetryPoint[] = request.points.map((p) => ({ ...p, patrolId }));
    const reply = await runIngest(device.vehicleId, { kind: "deviceId", hash: device.hash }, points, now);
    if (!reply) break;
    switch (reply.status) {
      case "CREDENTIAL_REVOKED":
        known.delete(id);
        device = await lookUpDevice(id);
        continue;
      case "NOT_ACTIVE":
      case "NOT_OWNER":
        device.patrolId = null;
        continue;
      case "ENDED_BY_USER": {
        device.patrolId = null;
        const notice = parseEndedNotice(reply.ended);
        if (notice) endedByCommander.set(device.vehicleId, { until: notice.at + idleStopMs(), error: endedByUser(patrolId, notice) });
        continue;
      }
    }
    // Throws the device's answer for a refusal (429, 503); accepted points, fresh or not, are a 200.
    ingestOutcome(reply, patrolId);
    remember(id, device);
    if (request.sos) await raiseSos(patrolId, request.points.at(-1)!);
    return;
  }
  throw new AppError("SERVICE_UNAVAILABLE", "The unit's patrol changed while this request was handled; retry.", {}, { "Retry-After": "1" });
}

/** The device key of `id`, read from Redis: the vehicle it names, or 404 (unknown or revoked), 403 (disabled), 503 (Redis being restored). */
async function lookUpDevice(id: string): Promise<KnownDevice> {
  const hash = hashDeviceId(id);
  const key = deviceVehicleKey(redisPrefix, hash);
  // Under Redis Cluster the two keys live in different slots: the marker is read only for an unknown id.
  const [value, ready]: (string | null | undefined)[] = clusterLayout
    ? [await redisCall(redis().get(key)), undefined]
    : await redisCall(redis().mget(key, statePlaneReadyKey(redisPrefix)));
  const found = parseDeviceKeyValue(value ?? null);
  if (!found) {
    // Under Redis Cluster the device key's own slot may have lost it (its shard restarted empty): that slot's marker says.
    const markers = ready === undefined ? await redisCall(Promise.all([statePlaneReadyKey(redisPrefix), slotReadyKeyOf(redisPrefix, key)].map((k) => redis().get(k)))) : [ready];
    if (markers.some((marker) => !marker)) throw restoring();
    throw unknownDevice();
  }
  if (!found.enabled) throw vehicleDisabled();
  return { vehicleId: found.vehicleId, hash, patrolId: null };
}

/** The vehicle's active patrol from Redis, or one started now (`OSMAND_AUTO_PATROL`); 409 when none may be started. */
async function activePatrolOf(device: KnownDevice, now: number): Promise<number> {
  const active = await redisCall(redis().get(vehicleActivePatrolKey(redisPrefix, device.vehicleId)));
  if (active) return Number(active);
  const ended = endedByCommander.get(device.vehicleId);
  if (ended && ended.until > now) throw ended.error;
  if (!env.OSMAND_AUTO_PATROL) {
    throw new AppError(
      "PATROL_NOT_ACTIVE",
      "This unit has no active patrol: start one for it (POST /api/patrols/start), or set OSMAND_AUTO_PATROL=true to start one with its first point.",
    );
  }
  const vehicle = await prisma.vehicle.findUnique({
    where: { id: device.vehicleId },
    select: {
      callSign: true,
      enabled: true,
      homeStationId: true,
      patrols: { orderBy: { id: "desc" }, take: 1, select: { id: true, ...ENDED_SELECT } },
    },
  });
  if (!vehicle) throw unknownDevice();
  if (!vehicle.enabled) throw vehicleDisabled();
  // A commander's stop holds for a while: the phone keeps its points (409 makes Traccar Client buffer them) instead of
  // appearing again at once; after OSMAND_IDLE_STOP_MINUTES they start a new patrol.
  const last = vehicle.patrols[0];
  const notice = last ? endedNoticeOf(last) : null;
  if (last && notice && notice.at + idleStopMs() > now) {
    const error = endedByUser(last.id, notice);
    endedByCommander.set(device.vehicleId, { until: notice.at + idleStopMs(), error });
    throw error;
  }
  endedByCommander.delete(device.vehicleId);
  try {
    return (await autoStartPatrol(device.vehicleId, vehicle.callSign, vehicle.homeStationId)).patrolId;
  } catch (err) {
    // Two first points at once: the other request started it.
    const patrolId = err instanceof AppError && err.code === "ALREADY_ON_PATROL" ? (err.details as { patrolId?: number | null }).patrolId : null;
    if (patrolId) return patrolId;
    throw err;
  }
}

/** `alarm=sos`: an SOS for the unit's patrol at the request's newest position (a repeat re-announces the same alert). */
async function raiseSos(patrolId: number, at: { lat: number; lon: number }): Promise<void> {
  const patrol = await prisma.patrol.findUnique({ where: { id: patrolId }, select: PATROL_META_SELECT });
  if (patrol) await soundSos(toPatrolMeta(patrol), { lat: at.lat, lon: at.lon });
}

function remember(id: string, device: KnownDevice): void {
  if (known.has(id)) return;
  if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value!);
  known.set(id, device);
}

const idleStopMs = () => env.OSMAND_IDLE_STOP_MINUTES * 60_000;

function restoring(): AppError {
  void ensureStatePlane();
  return new AppError(
    "SERVICE_UNAVAILABLE",
    "The live-tracking store (Redis) restarted and is being restored from the database; retry in a moment.",
    {},
    { "Retry-After": "1" },
  );
}

import type { Redis } from "ioredis";
import type { PrismaClient } from "../generated/prisma/client";
import type { AlertKind, AlertView } from "../realtime/protocol";
import { toAlertView, type AlertRow } from "./alert-view";
import { publishAlert } from "./publish-alert";

/**
 * Resolves, as "system", the unresolved alerts of `kinds` of one patrol — a SILENT one when the unit reports again or
 * its patrol ends — and announces each. One UPDATE; nothing else when there is none. Returns what it resolved.
 */
export async function resolveBySystem(
  db: PrismaClient,
  redisClient: Redis,
  prefix: string,
  patrolId: number,
  kinds: AlertKind[],
): Promise<AlertView[]> {
  const now = new Date();
  const rows = await db.$queryRaw<AlertRow[]>`
    UPDATE "alerts" SET "state" = 'RESOLVED', "resolvedAt" = ${now}, "resolvedBy" = 'system', "updatedAt" = ${now}
    WHERE "patrolId" = ${patrolId} AND "state" <> 'RESOLVED' AND "kind"::text = ANY(${kinds})
    RETURNING "id", "kind"::text AS "kind", "state"::text AS "state", "patrolId", "vehicleId", "callSign", "stationId",
              "divisionId", "zoneId", "districtId", "at", "lat", "lon", "detail", "ackBy", "resolvedBy", "updatedAt"`;
  const alerts = rows.map(toAlertView);
  for (const alert of alerts) await publishAlert(redisClient, prefix, alert);
  return alerts;
}

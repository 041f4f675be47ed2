import type { RedisClient } from "../redis/client";
import type { PrismaClient } from "../generated/prisma/client";
import type { AlertKind, AlertView } from "../realtime/protocol";
import { ALERT_SELECT, toAlertView } from "./alert-view";
import { publishAlert } from "./publish-alert";

/**
 * Resolves, as "system", the unresolved alerts of `kinds` of one patrol — a SILENT one when the unit reports again or
 * its patrol ends — and announces each. One UPDATE; nothing else when there is none. Returns what it resolved.
 */
export async function resolveBySystem(
  db: PrismaClient,
  redisClient: RedisClient,
  prefix: string,
  patrolId: number,
  kinds: AlertKind[],
): Promise<AlertView[]> {
  const now = new Date();
  const rows = await db.alert.updateManyAndReturn({
    where: { patrolId, kind: { in: kinds }, state: { not: "RESOLVED" } },
    data: { state: "RESOLVED", resolvedAt: now, resolvedBy: "system", updatedAt: now },
    select: ALERT_SELECT,
  });
  const alerts = rows.map(toAlertView);
  for (const alert of alerts) await publishAlert(redisClient, prefix, alert);
  return alerts;
}

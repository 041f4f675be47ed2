import { recordAudit, type AuditActor } from "../audit/record";
import type { SessionUser } from "../auth/options";
import { prisma } from "../db";
import { AppError } from "../errors";
import { log } from "../log";
import type { AlertView } from "../realtime/protocol";
import { redis, redisPrefix } from "../redis/client";
import { scopeContains } from "../scope";
import { ALERT_SELECT, toAlertView } from "./alert-view";
import { publishAlert } from "./publish-alert";

/** What a user may do to an alert. */
export type AlertAction = "ack" | "resolve";

/**
 * Acknowledges or resolves an alert for a user whose scope covers it (to anyone else it does not exist: 404).
 * The change is one conditional UPDATE — acknowledging needs OPEN, resolving anything not RESOLVED — so two
 * commanders clicking at once get one 200 and one 409 naming who was first. Audited as `alert.ack` /
 * `alert.resolve`, then announced to every covering dashboard. PostgreSQL holds the change once this returns;
 * should Redis be down the dashboards get it with the next re-sync (logged, not an error for the user).
 */
export async function changeAlert(user: SessionUser, alertId: number, action: AlertAction, audit: AuditActor): Promise<AlertView> {
  const current = await prisma.alert.findUnique({ where: { id: alertId }, select: ALERT_SELECT });
  if (!current || !scopeContains(user.scope, current)) throw new AppError("NOT_FOUND", `Alert ${alertId} does not exist.`);
  const now = new Date();
  const by = user.name || user.email;
  const changed =
    action === "ack"
      ? await prisma.alert.updateMany({ where: { id: alertId, state: "OPEN" }, data: { state: "ACKNOWLEDGED", ackAt: now, ackBy: by, updatedAt: now } })
      : await prisma.alert.updateMany({
          where: { id: alertId, state: { not: "RESOLVED" } },
          data: { state: "RESOLVED", resolvedAt: now, resolvedBy: by, updatedAt: now },
        });
  const row = await prisma.alert.findUniqueOrThrow({ where: { id: alertId }, select: ALERT_SELECT });
  const alert = toAlertView(row);
  if (changed.count === 0) {
    const when = new Date(alert.updatedAt).toISOString();
    throw new AppError(
      "CONFLICT",
      alert.state === "RESOLVED"
        ? `Alert ${alertId} was already resolved by ${alert.by ?? "someone"} at ${when}.`
        : `Alert ${alertId} was already acknowledged by ${alert.by ?? "someone"} at ${when}; resolve it when it is dealt with.`,
      { alert },
    );
  }
  await recordAudit({
    action: action === "ack" ? "alert.ack" : "alert.resolve",
    actor: audit,
    target: `alert:${alertId}`,
    detail: { kind: alert.kind, patrolId: alert.patrolId, vehicleId: alert.vehicleId, callSign: alert.callSign, stationId: alert.stationId },
  });
  await publishAlert(redis(), redisPrefix, alert).catch((err: unknown) =>
    log.warn({ err: String(err), alertId }, "alert change recorded but not announced (Redis unavailable); dashboards get it on re-sync"),
  );
  return alert;
}

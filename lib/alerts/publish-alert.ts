import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "../redis/client";
import type { AlertView, ControlEvent } from "../realtime/protocol";
import { execOrThrow } from "../redis/exec-or-throw";
import { controlChannel, openAlertsKey } from "../redis/keys";
import { scopesOf } from "../scope";

/**
 * Makes an alert's current state live, in ONE MULTI: kept in `alerts:open` (or dropped from it once resolved)
 * for SNAPSHOTs, and announced as an ALERT control event on the control channel of every unit above its
 * patrol (station … city), so exactly the dashboards covering the patrol get it. PostgreSQL is written first
 * (the caller's job): this only mirrors it, and publishing the same state twice is harmless.
 */
export async function publishAlert(redis: RedisClient, prefix: string, alert: AlertView): Promise<void> {
  const tx = redis.multi();
  queueAlert(tx, prefix, alert);
  await execOrThrow(tx);
}

/** Queues `publishAlert`'s writes on a MULTI or pipeline (the state-plane rebuild re-announces open alerts with it). */
export function queueAlert(tx: ChainableCommander, prefix: string, alert: AlertView): void {
  if (alert.state === "RESOLVED") tx.hdel(openAlertsKey(prefix), String(alert.alertId));
  else tx.hset(openAlertsKey(prefix), String(alert.alertId), JSON.stringify(alert));
  const event: ControlEvent = { type: "ALERT", alert };
  const payload = JSON.stringify(event);
  for (const scope of scopesOf(alert)) tx.publish(controlChannel(prefix, scope), payload);
}

/** The alerts `alerts:open` holds (open and acknowledged), oldest first; entries that do not parse are skipped. */
export async function readOpenAlerts(redis: RedisClient, prefix: string): Promise<AlertView[]> {
  const all = await redis.hvals(openAlertsKey(prefix));
  const alerts: AlertView[] = [];
  for (const raw of all) {
    try {
      const alert = JSON.parse(raw) as AlertView;
      if (typeof alert.alertId === "number" && typeof alert.at === "number") alerts.push(alert);
    } catch {
      /* not an alert: skipped */
    }
  }
  return alerts.sort((a, b) => a.at - b.at || a.alertId - b.alertId);
}

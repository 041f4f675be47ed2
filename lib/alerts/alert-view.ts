import type { Prisma } from "../generated/prisma/client";
import type { AlertView } from "../realtime/protocol";

/** The columns of an `alerts` row that make up its AlertView (a Prisma `select`). */
export const ALERT_SELECT = {
  id: true,
  kind: true,
  state: true,
  patrolId: true,
  vehicleId: true,
  callSign: true,
  stationId: true,
  divisionId: true,
  zoneId: true,
  districtId: true,
  at: true,
  lat: true,
  lon: true,
  detail: true,
  ackBy: true,
  resolvedBy: true,
  updatedAt: true,
} as const;

/** An `alerts` row selected with `ALERT_SELECT`. */
export type AlertRow = Prisma.AlertGetPayload<{ select: typeof ALERT_SELECT }>;

/** The alert as dashboards and the API show it; `by` is whoever made the last change. */
export function toAlertView(row: AlertRow): AlertView {
  const detail = row.detail && typeof row.detail === "object" && !Array.isArray(row.detail) ? (row.detail as Record<string, unknown>) : null;
  return {
    alertId: row.id,
    kind: row.kind,
    state: row.state,
    patrolId: row.patrolId,
    vehicleId: row.vehicleId,
    callSign: row.callSign,
    stationId: row.stationId,
    divisionId: row.divisionId,
    zoneId: row.zoneId,
    districtId: row.districtId,
    at: row.at.getTime(),
    lat: row.lat,
    lon: row.lon,
    detail,
    by: row.state === "RESOLVED" ? row.resolvedBy : row.state === "ACKNOWLEDGED" ? row.ackBy : null,
    updatedAt: row.updatedAt.getTime(),
  };
}

/**
 * The closed list of audited actions, `<noun>.<verb>`. Every sensitive action
 * goes through `recordAudit` (lib/audit/record.ts) with one of these; add a line here for a new one.
 * Shared with the browser (the audit page's filter), so no server imports here.
 */
export const AUDIT_ACTIONS = [
  "login.success",
  "login.failure",
  "user.create",
  "user.update",
  "user.delete",
  "vehicle.create",
  "vehicle.update",
  "vehicle.delete",
  "vehicle.secret",
  "vehicle.device_id",
  "district.create",
  "district.update",
  "district.delete",
  "zone.create",
  "zone.update",
  "zone.delete",
  "division.create",
  "division.update",
  "division.delete",
  "station.create",
  "station.update",
  "station.delete",
  "patrol.stop",
  "patrol.status",
  "alert.ack",
  "alert.resolve",
  "track.view",
  "track.export",
] as const;

/** One audited action name. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];


import type { PatrolMeta, UnitStatus } from "../realtime/protocol";

/** The columns of a patrol row that make up its state-plane meta (a Prisma `select`). */
export const PATROL_META_SELECT = {
  id: true,
  vehicleId: true,
  stationId: true,
  divisionId: true,
  zoneId: true,
  districtId: true,
  startedAt: true,
  dutyStatus: true,
  vehicle: { select: { callSign: true } },
} as const;

/** A patrol row selected with `PATROL_META_SELECT`. */
export interface PatrolMetaRow {
  id: number;
  vehicleId: number;
  stationId: number;
  divisionId: number;
  zoneId: number;
  districtId: number;
  startedAt: Date;
  /** Absent on a row just inserted without it (a new patrol is AVAILABLE). */
  dutyStatus?: UnitStatus;
  vehicle: { callSign: string };
}

/** The meta that `patrol:{id}:meta` and the control events carry. */
export function toPatrolMeta(row: PatrolMetaRow): PatrolMeta {
  return {
    patrolId: row.id,
    vehicleId: row.vehicleId,
    callSign: row.vehicle.callSign,
    stationId: row.stationId,
    divisionId: row.divisionId,
    zoneId: row.zoneId,
    districtId: row.districtId,
    startedAt: row.startedAt.getTime(),
    status: row.dutyStatus ?? "AVAILABLE",
  };
}

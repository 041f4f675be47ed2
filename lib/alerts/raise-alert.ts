import type { Prisma, PrismaClient } from "../generated/prisma/client";
import type { AlertKind, AlertView, PatrolMeta } from "../realtime/protocol";
import { ALERT_SELECT, toAlertView } from "./alert-view";

/** What raising an alert needs: its kind, the patrol (meta: chain, vehicle, call sign), where, and its facts. */
export interface RaiseAlert {
  kind: AlertKind;
  patrol: PatrolMeta;
  lat: number | null;
  lon: number | null;
  detail?: Record<string, unknown> | null;
  /** When it happened (default: now). */
  at?: Date;
}

/**
 * Records an alert in PostgreSQL — raised at most once until resolved: while an alert of the same kind for the
 * same patrol is OPEN or ACKNOWLEDGED (the partial unique index `alerts_one_unresolved_per_kind`), that one is
 * returned instead, with `created: false`. One INSERT (… ON CONFLICT DO NOTHING, which that index turns into "no
 * row"); one more SELECT only when it already existed.
 */
export async function raiseAlert(prisma: PrismaClient, input: RaiseAlert): Promise<{ alert: AlertView; created: boolean }> {
  const { patrol } = input;
  const at = input.at ?? new Date();
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await prisma.alert.createManyAndReturn({
      data: [
        {
          kind: input.kind,
          patrolId: patrol.patrolId,
          vehicleId: patrol.vehicleId,
          callSign: patrol.callSign,
          stationId: patrol.stationId,
          divisionId: patrol.divisionId,
          zoneId: patrol.zoneId,
          districtId: patrol.districtId,
          at,
          lat: input.lat,
          lon: input.lon,
          detail: (input.detail ?? undefined) as Prisma.InputJsonObject | undefined,
          updatedAt: at,
        },
      ],
      skipDuplicates: true,
      select: ALERT_SELECT,
    });
    if (inserted[0]) return { alert: toAlertView(inserted[0]), created: true };
    const existing = await prisma.alert.findFirst({
      where: { patrolId: patrol.patrolId, kind: input.kind, state: { not: "RESOLVED" } },
      select: ALERT_SELECT,
    });
    // Resolved between our INSERT and this read: raise it afresh.
    if (existing) return { alert: toAlertView(existing), created: false };
  }
  throw new Error(`could not raise a ${input.kind} alert for patrol ${patrol.patrolId}: it keeps being resolved meanwhile`);
}

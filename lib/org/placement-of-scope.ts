import { prisma } from "../db";
import type { Placement } from "../realtime/placement";
import type { Scope } from "../scope";

/**
 * The district and zone above (or at) `scope`, for the realtime ticket's placement hint: one primary-key read, none
 * for the city. Null when the unit no longer exists (the socket is then placed by its scope alone).
 */
export async function placementOfScope(scope: Scope): Promise<Placement | null> {
  const select = { districtId: true, zoneId: true } as const;
  switch (scope.level) {
    case "city":
      return null;
    case "district":
      return { districtId: scope.id };
    case "zone": {
      const zone = await prisma.zone.findUnique({ where: { id: scope.id }, select: { districtId: true } });
      return zone && { districtId: zone.districtId, zoneId: scope.id };
    }
    case "division":
      return prisma.division.findUnique({ where: { id: scope.id }, select });
    case "station":
      return prisma.station.findUnique({ where: { id: scope.id }, select });
  }
}

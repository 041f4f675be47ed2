import "server-only";
import { Prisma, prisma } from "../db";
import type { ScopeLevel } from "../scope";
import { missingReference } from "./crud";

/**
 * Parent lookups for admin writes. Each returns the ancestor ids a child
 * copies (docs/ARCHITECTURE.md §6) or throws 400 naming the field and the missing unit.
 */

type Db = Prisma.TransactionClient;

/** The district `id`; 400 "`field`: district `id` does not exist." otherwise. */
export async function requireDistrict(id: number, field = "districtId", db: Db = prisma): Promise<{ id: number }> {
  const district = await db.district.findUnique({ where: { id }, select: { id: true } });
  if (!district) throw missingReference(field, "district", id);
  return district;
}

/** The zone `id` with its district; 400 when it does not exist. */
export async function requireZone(id: number, field = "zoneId", db: Db = prisma): Promise<{ id: number; districtId: number }> {
  const zone = await db.zone.findUnique({ where: { id }, select: { id: true, districtId: true } });
  if (!zone) throw missingReference(field, "zone", id);
  return zone;
}

/** The division `id` with its zone and district; 400 when it does not exist. */
export async function requireDivision(
  id: number,
  field = "divisionId",
  db: Db = prisma,
): Promise<{ id: number; zoneId: number; districtId: number }> {
  const division = await db.division.findUnique({ where: { id }, select: { id: true, zoneId: true, districtId: true } });
  if (!division) throw missingReference(field, "division", id);
  return division;
}

/** The station `id`; 400 when it does not exist. */
export async function requireStation(id: number, field = "stationId", db: Db = prisma): Promise<{ id: number }> {
  const station = await db.station.findUnique({ where: { id }, select: { id: true } });
  if (!station) throw missingReference(field, "station", id);
  return station;
}

/** Checks that unit `id` of `level` exists (400 naming `field` otherwise); `city` needs no check. */
export async function requireUnit(level: ScopeLevel, id: number, field: string): Promise<void> {
  switch (level) {
    case "city":
      return;
    case "district":
      await requireDistrict(id, field);
      return;
    case "zone":
      await requireZone(id, field);
      return;
    case "division":
      await requireDivision(id, field);
      return;
    case "station":
      await requireStation(id, field);
      return;
  }
}

/** How many users have unit `id` of `level` as their scope (scopes are not foreign keys, so deletes check this). */
export function countScopedUsers(level: Exclude<ScopeLevel, "city">, id: number, db: Db = prisma): Promise<number> {
  return db.user.count({ where: { scopeLevel: level, scopeId: id } });
}

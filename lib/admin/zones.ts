import "server-only";
import { z } from "zod";
import { prisma } from "../db";
import {
  type AdminResource,
  assertNoActivePatrols,
  assertUnreferenced,
  codeField,
  found,
  guardDelete,
  guardWrite,
  nameField,
  refField,
} from "./crud";
import { countScopedUsers, requireDistrict } from "./units";

const ZONE_FIELDS = { id: true, name: true, code: true, districtId: true } as const;

/** A zone as the admin API shows it. */
export interface ZoneItem {
  id: number;
  name: string;
  code: string;
  districtId: number;
}

const createSchema = z.strictObject({ name: nameField, code: codeField, districtId: refField });
const updateSchema = createSchema.partial();

/**
 * Admin CRUD for zones. Moving a zone to another district needs no copying
 * here: the composite foreign keys cascade the new districtId to its
 * divisions and their stations.
 */
export const zones: AdminResource<ZoneItem, z.infer<typeof createSchema>, z.infer<typeof updateSchema>> = {
  noun: "zone",
  createSchema,
  updateSchema,

  list: () => prisma.zone.findMany({ select: ZONE_FIELDS, orderBy: { id: "asc" } }),

  async get(id) {
    return found(await prisma.zone.findUnique({ where: { id }, select: ZONE_FIELDS }), "zone", id);
  },

  async create(input) {
    await requireDistrict(input.districtId);
    return guardWrite("zone", input, () => prisma.zone.create({ data: input, select: ZONE_FIELDS }));
  },

  update: (id, input) =>
    guardWrite(
      "zone",
      input,
      () =>
        prisma.$transaction(async (tx) => {
          const current = found(await tx.zone.findUnique({ where: { id }, select: ZONE_FIELDS }), "zone", id);
          if (input.districtId !== undefined && input.districtId !== current.districtId) {
            await requireDistrict(input.districtId, "districtId", tx);
            await assertNoActivePatrols("zone", id, tx);
          }
          return tx.zone.update({ where: { id }, data: input, select: ZONE_FIELDS });
        }),
      id,
    ),

  async remove(id) {
    await zones.get(id);
    const [divisions, patrols, users] = await Promise.all([
      prisma.division.count({ where: { zoneId: id } }),
      prisma.patrol.count({ where: { zoneId: id } }),
      countScopedUsers("zone", id),
    ]);
    assertUnreferenced("zone", id, [
      { count: divisions, what: "division(s)", fix: "move or delete them first" },
      { count: users, what: "commander(s) scoped to it", fix: "change their scope first" },
      { count: patrols, what: "patrol record(s)", fix: "patrol history is kept, so it cannot be deleted" },
    ]);
    await guardDelete("zone", id, () => prisma.zone.delete({ where: { id } }));
  },
};

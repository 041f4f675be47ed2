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
  patrolRecords,
  scopedCommanders,
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
    const { name } = await zones.get(id);
    const [divisions, patrols, users] = await Promise.all([
      prisma.division.count({ where: { zoneId: id } }),
      prisma.patrol.count({ where: { zoneId: id } }),
      countScopedUsers("zone", id),
    ]);
    assertUnreferenced(name, [
      { count: divisions, what: ["division", "divisions"], fix: ["move or delete it first", "move or delete them first"] },
      scopedCommanders(users),
      patrolRecords(patrols),
    ]);
    await guardDelete("zone", id, () => prisma.zone.delete({ where: { id } }));
  },
};

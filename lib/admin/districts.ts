import "server-only";
import { z } from "zod";
import { prisma } from "../db";
import { type AdminResource, assertUnreferenced, codeField, found, guardDelete, guardWrite, nameField, patrolRecords, scopedCommanders } from "./crud";
import { countScopedUsers } from "./units";

const DISTRICT_FIELDS = { id: true, name: true, code: true } as const;

/** A district as the admin API shows it. */
export interface DistrictItem {
  id: number;
  name: string;
  code: string;
}

const createSchema = z.strictObject({ name: nameField, code: codeField });
const updateSchema = createSchema.partial();

/** Admin CRUD for districts; delete is refused while zones, patrol history or commanders refer to one. */
export const districts: AdminResource<DistrictItem, z.infer<typeof createSchema>, z.infer<typeof updateSchema>> = {
  noun: "district",
  createSchema,
  updateSchema,

  list: () => prisma.district.findMany({ select: DISTRICT_FIELDS, orderBy: { id: "asc" } }),

  async get(id) {
    return found(await prisma.district.findUnique({ where: { id }, select: DISTRICT_FIELDS }), "district", id);
  },

  create: (input) => guardWrite("district", input, () => prisma.district.create({ data: input, select: DISTRICT_FIELDS })),

  update: (id, input) =>
    guardWrite("district", input, () => prisma.district.update({ where: { id }, data: input, select: DISTRICT_FIELDS }), id),

  async remove(id) {
    const { name } = await districts.get(id);
    const [zones, patrols, users] = await Promise.all([
      prisma.zone.count({ where: { districtId: id } }),
      prisma.patrol.count({ where: { districtId: id } }),
      countScopedUsers("district", id),
    ]);
    assertUnreferenced(name, [
      { count: zones, what: ["zone", "zones"], fix: ["move or delete it first", "move or delete them first"] },
      scopedCommanders(users),
      patrolRecords(patrols),
    ]);
    await guardDelete("district", id, () => prisma.district.delete({ where: { id } }));
  },
};

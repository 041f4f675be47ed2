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
import { countScopedUsers, requireZone } from "./units";

const DIVISION_FIELDS = { id: true, name: true, code: true, zoneId: true, districtId: true } as const;

/** A division as the admin API shows it; districtId is its zone's. */
export interface DivisionItem {
  id: number;
  name: string;
  code: string;
  zoneId: number;
  districtId: number;
}

// districtId is derived from the zone, never sent.
const createSchema = z.strictObject({ name: nameField, code: codeField, zoneId: refField });
const updateSchema = createSchema.partial();

/**
 * Admin CRUD for divisions. A division copies its zone's districtId; moving
 * it re-derives that, and the composite foreign key cascades both ids to its
 * stations.
 */
export const divisions: AdminResource<DivisionItem, z.infer<typeof createSchema>, z.infer<typeof updateSchema>> = {
  noun: "division",
  createSchema,
  updateSchema,

  list: () => prisma.division.findMany({ select: DIVISION_FIELDS, orderBy: { id: "asc" } }),

  async get(id) {
    return found(await prisma.division.findUnique({ where: { id }, select: DIVISION_FIELDS }), "division", id);
  },

  async create(input) {
    const zone = await requireZone(input.zoneId);
    return guardWrite("division", input, () =>
      prisma.division.create({ data: { ...input, districtId: zone.districtId }, select: DIVISION_FIELDS }),
    );
  },

  update: (id, input) =>
    guardWrite(
      "division",
      input,
      () =>
        prisma.$transaction(async (tx) => {
          const current = found(await tx.division.findUnique({ where: { id }, select: DIVISION_FIELDS }), "division", id);
          let chain = {};
          if (input.zoneId !== undefined && input.zoneId !== current.zoneId) {
            const zone = await requireZone(input.zoneId, "zoneId", tx);
            await assertNoActivePatrols("division", id, tx);
            chain = { districtId: zone.districtId };
          }
          return tx.division.update({ where: { id }, data: { ...input, ...chain }, select: DIVISION_FIELDS });
        }),
      id,
    ),

  async remove(id) {
    const { name } = await divisions.get(id);
    const [stations, patrols, users] = await Promise.all([
      prisma.station.count({ where: { divisionId: id } }),
      prisma.patrol.count({ where: { divisionId: id } }),
      countScopedUsers("division", id),
    ]);
    assertUnreferenced(name, [
      { count: stations, what: ["station", "stations"], fix: ["move or delete it first", "move or delete them first"] },
      scopedCommanders(users),
      patrolRecords(patrols),
    ]);
    await guardDelete("division", id, () => prisma.division.delete({ where: { id } }));
  },
};

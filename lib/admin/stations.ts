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
import { countScopedUsers, requireDivision } from "./units";

const STATION_FIELDS = {
  id: true,
  name: true,
  code: true,
  lat: true,
  lon: true,
  divisionId: true,
  zoneId: true,
  districtId: true,
} as const;

/** A station as the admin API shows it; zoneId and districtId are its division's. */
export interface StationItem {
  id: number;
  name: string;
  code: string;
  lat: number;
  lon: number;
  divisionId: number;
  zoneId: number;
  districtId: number;
}

// zoneId and districtId are derived from the division, never sent.
const createSchema = z.strictObject({
  name: nameField,
  code: codeField,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  divisionId: refField,
});
const updateSchema = createSchema.partial();

/**
 * Admin CRUD for stations. A station copies its division's zoneId and
 * districtId (docs/ARCHITECTURE.md §6) so patrol start is one primary-key lookup; every
 * write here sets them from the division.
 */
export const stations: AdminResource<StationItem, z.infer<typeof createSchema>, z.infer<typeof updateSchema>> = {
  noun: "station",
  createSchema,
  updateSchema,

  list: () => prisma.station.findMany({ select: STATION_FIELDS, orderBy: { id: "asc" } }),

  async get(id) {
    return found(await prisma.station.findUnique({ where: { id }, select: STATION_FIELDS }), "station", id);
  },

  async create(input) {
    const division = await requireDivision(input.divisionId);
    return guardWrite("station", input, () =>
      prisma.station.create({
        data: { ...input, zoneId: division.zoneId, districtId: division.districtId },
        select: STATION_FIELDS,
      }),
    );
  },

  update: (id, input) =>
    guardWrite(
      "station",
      input,
      () =>
        prisma.$transaction(async (tx) => {
          const current = found(await tx.station.findUnique({ where: { id }, select: STATION_FIELDS }), "station", id);
          let chain = {};
          if (input.divisionId !== undefined && input.divisionId !== current.divisionId) {
            const division = await requireDivision(input.divisionId, "divisionId", tx);
            await assertNoActivePatrols("station", id, tx);
            chain = { zoneId: division.zoneId, districtId: division.districtId };
          }
          return tx.station.update({ where: { id }, data: { ...input, ...chain }, select: STATION_FIELDS });
        }),
      id,
    ),

  async remove(id) {
    await stations.get(id);
    const [vehicles, patrols, users] = await Promise.all([
      prisma.vehicle.count({ where: { homeStationId: id } }),
      prisma.patrol.count({ where: { stationId: id } }),
      countScopedUsers("station", id),
    ]);
    assertUnreferenced("station", id, [
      { count: vehicles, what: "vehicle(s) based there", fix: "give them another home station or delete them first" },
      { count: users, what: "commander(s) scoped to it", fix: "change their scope first" },
      { count: patrols, what: "patrol record(s)", fix: "patrol history is kept, so it cannot be deleted" },
    ]);
    await guardDelete("station", id, () => prisma.station.delete({ where: { id } }));
  },
};

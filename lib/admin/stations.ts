import "server-only";
import { z } from "zod";
import { Prisma, prisma } from "../db";
import { AppError } from "../errors";
import { boundaryProblem, type BoundaryPolygon } from "../geo/polygon";
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
  boundary: true,
} as const;

/** Largest station create/update body: 512 KiB, room for a boundary of the full 10,000 corners. */
export const STATION_BODY_LIMIT_BYTES = 512 * 1024;

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
  /** The station's jurisdiction (DESIGN §10), or null when it has none. */
  boundary: BoundaryPolygon | null;
}

/**
 * A jurisdiction, or null for none. The shape is checked here (so a malformed polygon is refused like any other
 * field); whether it surrounds the station is checked by `checkBoundary`, which knows the station's position.
 */
const boundaryField = z
  .unknown()
  .superRefine((value, ctx) => {
    const problem = value === null ? null : boundaryProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((value) => value as BoundaryPolygon | null);

/**
 * 400 VALIDATION_FAILED naming `field` unless `boundary` (when there is one) surrounds the station at `position`:
 * "boundary: does not contain the station (…)", or "…looks like it has latitude and longitude swapped…".
 */
function checkBoundary(boundary: BoundaryPolygon | null, position: { lat: number; lon: number }, field: "boundary" | "lat" | "lon"): void {
  if (boundary === null) return;
  const problem = boundaryProblem(boundary, position);
  if (problem === null) return;
  const message =
    field === "boundary"
      ? `boundary: ${problem}.`
      : `${field}: the station's new position (lat ${position.lat}, lon ${position.lon}) is outside its boundary; move it inside, or change or clear the boundary.`;
  throw new AppError("VALIDATION_FAILED", message, { field });
}

/** A row as Prisma returns it, with the JSON column typed. */
function toItem(row: Omit<StationItem, "boundary"> & { boundary: Prisma.JsonValue }): StationItem {
  return { ...row, boundary: row.boundary as BoundaryPolygon | null };
}

/** The boundary as Prisma writes it: a JSON null column is `DbNull`, not JSON `null`. */
function boundaryData(boundary: BoundaryPolygon | null | undefined) {
  return boundary === null ? Prisma.DbNull : boundary;
}

// zoneId and districtId are derived from the division, never sent.
const createSchema = z.strictObject({
  name: nameField,
  code: codeField,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  divisionId: refField,
  boundary: boundaryField.optional(),
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
  // A boundary of the full 10,000 corners is ~250 KB of JSON.
  maxBodyBytes: STATION_BODY_LIMIT_BYTES,

  list: async () => (await prisma.station.findMany({ select: STATION_FIELDS, orderBy: { id: "asc" } })).map(toItem),

  async get(id) {
    return toItem(found(await prisma.station.findUnique({ where: { id }, select: STATION_FIELDS }), "station", id));
  },

  async create(input) {
    checkBoundary(input.boundary ?? null, input, "boundary");
    const division = await requireDivision(input.divisionId);
    const row = await guardWrite("station", input, () =>
      prisma.station.create({
        data: { ...input, boundary: boundaryData(input.boundary), zoneId: division.zoneId, districtId: division.districtId },
        select: STATION_FIELDS,
      }),
    );
    return toItem(row);
  },

  update: (id, input) =>
    guardWrite(
      "station",
      input,
      () =>
        prisma.$transaction(async (tx) => {
          const current = found(await tx.station.findUnique({ where: { id }, select: STATION_FIELDS }), "station", id);
          const position = { lat: input.lat ?? current.lat, lon: input.lon ?? current.lon };
          if (input.boundary !== undefined) checkBoundary(input.boundary, position, "boundary");
          else if (input.lat !== undefined || input.lon !== undefined) checkBoundary(toItem(current).boundary, position, input.lat !== undefined ? "lat" : "lon");
          let chain = {};
          if (input.divisionId !== undefined && input.divisionId !== current.divisionId) {
            const division = await requireDivision(input.divisionId, "divisionId", tx);
            await assertNoActivePatrols("station", id, tx);
            chain = { zoneId: division.zoneId, districtId: division.districtId };
          }
          const data = { ...input, boundary: boundaryData(input.boundary), ...chain };
          return toItem(await tx.station.update({ where: { id }, data, select: STATION_FIELDS }));
        }),
      id,
    ),

  async remove(id) {
    const { name } = await stations.get(id);
    const [vehicles, patrols, users] = await Promise.all([
      prisma.vehicle.count({ where: { homeStationId: id } }),
      prisma.patrol.count({ where: { stationId: id } }),
      countScopedUsers("station", id),
    ]);
    assertUnreferenced(name, [
      { count: vehicles, what: ["vehicle based there", "vehicles based there"], fix: ["move or delete it first", "move or delete them first"] },
      scopedCommanders(users),
      patrolRecords(patrols),
    ]);
    await guardDelete("station", id, () => prisma.station.delete({ where: { id } }));
  },
};

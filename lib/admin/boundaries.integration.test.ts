import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, call, login, type UserClient } from "../../test/support/http";
import { prisma } from "../db";

/**
 * Station jurisdictions through the admin API (DESIGN §10): an admin sets, reads back and clears a station's
 * boundary; every kind of bad polygon is refused with a 400 that names `boundary` and says what is wrong, and
 * leaves the stored boundary as it was.
 */

const RUN = randomBytes(3).toString("hex").toUpperCase();
const position = { lat: 9.97, lon: 76.29 };

/** A closed ring of [lon, lat] positions. */
function polygon(...positions: [number, number][]) {
  return { type: "Polygon", coordinates: [positions] };
}

/** About 2 km square around the station. */
const square = polygon([76.28, 9.96], [76.3, 9.96], [76.3, 9.98], [76.28, 9.98], [76.28, 9.96]);
/** A smaller triangle around the station. */
const triangle = polygon([76.285, 9.965], [76.295, 9.965], [76.29, 9.975], [76.285, 9.965]);

let admin: UserClient;
let divisionId: number;
let stationId: number;

async function stored(): Promise<unknown> {
  const res = await call(`/api/admin/stations/${stationId}`, { client: admin });
  expect(res.status).toBe(200);
  return res.body.boundary;
}

function patch(body: unknown) {
  return call(`/api/admin/stations/${stationId}`, { client: admin, method: "PATCH", body });
}

beforeAll(async () => {
  admin = await login(DEMO.admin);
  divisionId = ((await call("/api/admin/divisions", { client: admin })).body.items[0] as { id: number }).id;
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("station boundaries in the admin API", () => {
  it("creates a station with a boundary and lists it with it", async () => {
    const res = await call("/api/admin/stations", {
      client: admin,
      body: { name: `Bounded ${RUN}`, code: `BND${RUN}`, ...position, divisionId, boundary: square },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.boundary).toEqual(square);
    stationId = res.body.id as number;
    const { items } = (await call("/api/admin/stations", { client: admin })).body as { items: { id: number; boundary: unknown }[] };
    expect(items.find((s) => s.id === stationId)?.boundary).toEqual(square);
  });

  it("replaces the boundary with PATCH, reads it back, and clears it with null", async () => {
    const replaced = await patch({ boundary: triangle });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.boundary).toEqual(triangle);
    expect(await stored()).toEqual(triangle);

    const cleared = await patch({ boundary: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.boundary).toBeNull();
    expect(await stored()).toBeNull();
    // Cleared means no boundary at all (SQL NULL), which the alert evaluator reads as "no jurisdiction".
    expect((await prisma.station.findUniqueOrThrow({ where: { id: stationId } })).boundary).toBeNull();

    expect((await patch({ boundary: square })).status).toBe(200);
    expect(await stored()).toEqual(square);
  });

  const swapped = polygon(...square.coordinates[0]!.map(([lon, lat]) => [lat, lon] as [number, number]));
  const refusals: [string, unknown, RegExp][] = [
    ["not a Polygon", { type: "LineString", coordinates: [[76.28, 9.96], [76.3, 9.96]] }, /must be a GeoJSON Polygon object/],
    ["a bare list of positions", [[76.28, 9.96], [76.3, 9.96], [76.3, 9.98], [76.28, 9.96]], /must be a GeoJSON Polygon object/],
    ["an unclosed ring", polygon([76.28, 9.96], [76.3, 9.96], [76.3, 9.98], [76.28, 9.98]), /is not closed: the last position \[76\.28, 9\.98\] must repeat the first/],
    ["fewer than 4 positions", polygon([76.28, 9.96], [76.3, 9.96], [76.28, 9.96]), /has 3 position\(s\); a boundary needs at least 3 corners/],
    ["a longitude out of range", polygon([76.28, 9.96], [276.3, 9.96], [76.3, 9.98], [76.28, 9.96]), /position 2: longitude 276\.3 is outside -180…180/],
    ["a coordinate that is not a number", polygon([76.28, 9.96], ["76.3" as unknown as number, 9.96], [76.3, 9.98], [76.28, 9.96]), /position 2: must be a \[lon, lat\] pair of numbers/],
    ["a ring crossing itself", polygon([76.28, 9.96], [76.3, 9.98], [76.3, 9.96], [76.28, 9.98], [76.28, 9.96]), /crosses itself: the edge from corner 1 meets the edge from corner 3 near lat 9\.97000, lon 76\.29000/],
    ["a hole", { type: "Polygon", coordinates: [square.coordinates[0], triangle.coordinates[0]] }, /holes are not supported/],
    ["latitude and longitude swapped", swapped, /looks like it has latitude and longitude swapped: GeoJSON positions are \[lon, lat\]/],
    ["a boundary away from the station", polygon([76.38, 9.96], [76.4, 9.96], [76.4, 9.98], [76.38, 9.96]), /does not contain the station \(lat 9\.97, lon 76\.29\)/],
  ];

  for (const [what, boundary, message] of refusals) {
    it(`refuses ${what} with 400 naming boundary, and keeps the stored one`, async () => {
      const res = await patch({ boundary });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.message).toMatch(/boundary: /);
      expect(res.body.error.message).toMatch(message);
      const field = res.body.error.field ?? res.body.error.issues?.[0]?.path;
      expect(field).toBe("boundary");
      expect(await stored()).toEqual(square);
    });
  }

  it("refuses a station created with a boundary that does not surround it, and creates nothing", async () => {
    const res = await call("/api/admin/stations", {
      client: admin,
      body: { name: `Astray ${RUN}`, code: `AST${RUN}`, lat: 10.1, lon: 76.29, divisionId, boundary: square },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "VALIDATION_FAILED", field: "boundary" });
    expect(res.body.error.message).toContain("does not contain the station (lat 10.1, lon 76.29)");
    expect(await prisma.station.count({ where: { code: `AST${RUN}` } })).toBe(0);
  });

  it("checks a PATCH against the patched position: a station may not move out of its boundary", async () => {
    const moved = await patch({ lat: 10.1 });
    expect(moved.status).toBe(400);
    expect(moved.body.error).toMatchObject({ code: "VALIDATION_FAILED", field: "lat" });
    expect(moved.body.error.message).toMatch(/^lat: .*outside its boundary; move it inside, or change or clear the boundary/);
    // Moved east only: the field that moved is the one named.
    const east = await patch({ lon: 76.5 });
    expect(east.status).toBe(400);
    expect(east.body.error).toMatchObject({ code: "VALIDATION_FAILED", field: "lon" });
    expect(east.body.error.message).toMatch(/^lon: the station's new position \(lat [\d.]+, lon 76\.5\) is outside its boundary/);
    expect((await call(`/api/admin/stations/${stationId}`, { client: admin })).body).toMatchObject({ ...position, boundary: square });

    // Moving the station and its boundary together is one valid change.
    const away = polygon([76.38, 9.96], [76.4, 9.96], [76.4, 9.98], [76.38, 9.96]);
    const both = await patch({ lat: 9.965, lon: 76.39, boundary: away });
    expect(both.status, JSON.stringify(both.body)).toBe(200);
    expect(both.body).toMatchObject({ lat: 9.965, lon: 76.39, boundary: away });
    expect((await patch({ lat: position.lat, lon: position.lon, boundary: square })).status).toBe(200);
  });

  it("stores a detailed boundary of 10,000 corners, refuses 10,001 (and a body past 512 KiB), and keeps the stored one", async () => {
    const circle = (corners: number) => {
      const ring: [number, number][] = [];
      for (let i = 0; i < corners; i++) {
        const a = (2 * Math.PI * i) / corners;
        ring.push([+(position.lon + 0.01 * Math.cos(a)).toFixed(6), +(position.lat + 0.01 * Math.sin(a)).toFixed(6)]);
      }
      ring.push(ring[0]!);
      return polygon(...ring);
    };
    const detailed = await patch({ boundary: circle(10_000) });
    expect(detailed.status, JSON.stringify(detailed.body).slice(0, 300)).toBe(200);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { action: "station.update", target: `station:${stationId}` }, orderBy: { id: "desc" } });
    expect(audit.detail).toEqual({ changes: { boundary: expect.stringMatching(/^10000 corners, sha256 [0-9a-f]{16}$/) as string } });
    const tooMany = await patch({ boundary: circle(10_001) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/boundary: has 10,001 corners.*10,000/);
    expect((await patch({ boundary: circle(10_000), name: "x".repeat(600_000) })).status).toBe(413);
    expect(((await stored()) as { coordinates: unknown[][] }).coordinates[0]).toHaveLength(10_001);
    expect((await patch({ boundary: square })).status).toBe(200);
    expect(await stored()).toEqual(square);
  });
});

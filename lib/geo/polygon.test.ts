import { describe, expect, it } from "vitest";
import { boundaryProblem, compileBoundary, pointInPolygon, type BoundaryPolygon } from "./polygon";

/** Kadavanthra station and a square of about 2 km around it. */
const station = { lat: 9.9667, lon: 76.2997 };
const square: BoundaryPolygon = {
  type: "Polygon",
  coordinates: [
    [
      [76.29, 9.957],
      [76.31, 9.957],
      [76.31, 9.977],
      [76.29, 9.977],
      [76.29, 9.957],
    ],
  ],
};

/** A closed ring of `corners` corners around `centre`, radius varying so it is not convex (still simple). */
function wobblyCircle(corners: number, centre = station, radius = 0.02): BoundaryPolygon {
  const ring: [number, number][] = [];
  for (let i = 0; i < corners; i++) {
    const a = (2 * Math.PI * i) / corners;
    const r = radius * (1 + 0.3 * Math.sin(7 * a));
    ring.push([centre.lon + r * Math.cos(a), centre.lat + r * Math.sin(a)]);
  }
  ring.push(ring[0]!);
  return { type: "Polygon", coordinates: [ring] };
}

function ring(...positions: [number, number][]): BoundaryPolygon {
  return { type: "Polygon", coordinates: [positions] };
}

describe("pointInPolygon and compileBoundary", () => {
  it("tell inside from outside, for a square and a concave outline", () => {
    const inside = compileBoundary(square);
    expect(pointInPolygon(station.lat, station.lon, square)).toBe(true);
    expect(inside(station.lat, station.lon)).toBe(true);
    for (const [lat, lon] of [
      [9.95, 76.2997],
      [9.99, 76.2997],
      [9.9667, 76.28],
      [9.9667, 76.32],
    ] as const) {
      expect(pointInPolygon(lat, lon, square)).toBe(false);
      expect(inside(lat, lon)).toBe(false);
    }
    // A U shape: the notch between the arms is outside though it is inside the bounding box.
    const u = ring([0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]);
    const inU = compileBoundary(u);
    expect([pointInPolygon(2, 0.5, u), inU(2, 0.5)]).toEqual([true, true]);
    expect([pointInPolygon(2, 1.5, u), inU(2, 1.5)]).toEqual([false, false]);
    expect([pointInPolygon(2, 2.5, u), inU(2, 2.5)]).toEqual([true, true]);
  });

  it("agree on 5,000 random points around a 2,000-corner outline", () => {
    const outline = wobblyCircle(2_000);
    const inside = compileBoundary(outline);
    let random = 1;
    const next = () => ((random = (random * 16807) % 2147483647) / 2147483647);
    let insideCount = 0;
    for (let i = 0; i < 5_000; i++) {
      const lat = station.lat + (next() - 0.5) * 0.06;
      const lon = station.lon + (next() - 0.5) * 0.06;
      const expected = pointInPolygon(lat, lon, outline);
      expect(inside(lat, lon)).toBe(expected);
      if (expected) insideCount++;
    }
    expect(insideCount).toBeGreaterThan(500);
    expect(insideCount).toBeLessThan(4_500);
  });

  it("compiled, tests a point against a 10,000-corner outline in a few microseconds", () => {
    const outline = wobblyCircle(10_000);
    const inside = compileBoundary(outline);
    const points = 100_000;
    let hits = 0;
    const started = performance.now();
    for (let i = 0; i < points; i++) if (inside(station.lat + (i % 100) * 1e-4 - 5e-3, station.lon + 1e-3)) hits++;
    const compiledUs = ((performance.now() - started) * 1_000) / points;
    const plainStarted = performance.now();
    for (let i = 0; i < 1_000; i++) pointInPolygon(station.lat, station.lon, outline);
    const plainUs = performance.now() - plainStarted;
    console.log(`10,000 corners: compiled ${compiledUs.toFixed(2)} µs/point, pointInPolygon ${plainUs.toFixed(1)} µs/point`);
    expect(hits).toBe(points);
    // Measured about 0.1 µs here; the bound leaves room for a loaded CI machine.
    expect(compiledUs).toBeLessThan(50);
  });
});

describe("boundaryProblem", () => {
  it("accepts a simple closed ring around the station, and a 10,000-corner outline", () => {
    expect(boundaryProblem(square, station)).toBeNull();
    expect(boundaryProblem(square)).toBeNull();
    expect(boundaryProblem(wobblyCircle(10_000), station)).toBeNull();
  });

  it("refuses what is not a GeoJSON Polygon", () => {
    for (const value of [null, "POLYGON((…))", [[76.29, 9.957]], { type: "LineString", coordinates: [] }, { type: "Polygon" }, { type: "Polygon", coordinates: [] }]) {
      expect(boundaryProblem(value)).toMatch(/GeoJSON Polygon|"coordinates"/);
    }
  });

  it("refuses holes", () => {
    const withHole = { type: "Polygon", coordinates: [square.coordinates[0], [[76.3, 9.96], [76.301, 9.96], [76.301, 9.961], [76.3, 9.96]]] };
    expect(boundaryProblem(withHole)).toBe("has 2 rings; holes are not supported: send only the outer ring");
  });

  it("refuses a ring that is not closed, or too short", () => {
    expect(boundaryProblem(ring([76.29, 9.957], [76.31, 9.957], [76.31, 9.977], [76.29, 9.977]))).toBe(
      "is not closed: the last position [76.29, 9.977] must repeat the first [76.29, 9.957]",
    );
    expect(boundaryProblem(ring([76.29, 9.957], [76.31, 9.957], [76.29, 9.957]))).toMatch(/^has 3 position\(s\); a boundary needs at least 3 corners/);
  });

  it("refuses more than 10,000 corners, saying how many there are", () => {
    expect(boundaryProblem(wobblyCircle(10_001))).toBe("has 10,001 corners; at most 10,000 are allowed: simplify it");
  });

  it("refuses positions that are not [lon, lat] numbers in range, naming the position", () => {
    const bad = (position: unknown) => ({ type: "Polygon", coordinates: [[[76.29, 9.957], position, [76.31, 9.977], [76.29, 9.957]]] });
    expect(boundaryProblem(bad(["76.31", "9.957"]))).toBe("position 2: must be a [lon, lat] pair of numbers");
    expect(boundaryProblem(bad([76.31]))).toBe("position 2: must be a [lon, lat] pair of numbers");
    expect(boundaryProblem(bad([76.31, 9.957, 4]))).toBe("position 2: must be a [lon, lat] pair of numbers");
    expect(boundaryProblem(bad([76.31, Number.NaN]))).toBe("position 2: must be a [lon, lat] pair of numbers");
    expect(boundaryProblem(bad([196.31, 9.957]))).toBe("position 2: longitude 196.31 is outside -180…180");
    expect(boundaryProblem(bad([9.957, 96.31]))).toBe(
      "position 2: latitude 96.31 is outside -90…90 (GeoJSON positions are [lon, lat]: are they swapped?)",
    );
  });

  it("refuses a ring that crosses or touches itself, saying where", () => {
    // A bow tie: the edges 1→2 and 3→4 cross in the middle.
    expect(boundaryProblem(ring([0, 0], [2, 2], [2, 0], [0, 2], [0, 0]))).toBe(
      "crosses itself: the edge from corner 1 meets the edge from corner 3 near lat 1.00000, lon 1.00000; " +
        "move the corners so the outline does not cross or touch itself",
    );
    // A corner resting on another edge.
    expect(boundaryProblem(ring([0, 0], [4, 0], [4, 4], [2, 0], [0, 4], [0, 0]))).toMatch(/^crosses itself: .* near lat 0\.00000, lon 2\.00000/);
    // A spike folding straight back on itself.
    expect(boundaryProblem(ring([0, 0], [4, 0], [2, 0], [2, 3], [0, 0]))).toMatch(/^crosses itself/);
    // A degenerate "triangle" with all three corners on one line.
    expect(boundaryProblem(ring([0, 0], [1, 1], [2, 2], [0, 0]))).toMatch(/^crosses itself/);
    // The same corner twice in a row.
    expect(boundaryProblem(ring([0, 0], [2, 0], [2, 0], [2, 2], [0, 0]))).toBe("positions 2 and 3 are the same point [2, 0]; remove one");
  });

  it("finds a single crossing in a 10,000-corner outline in milliseconds", () => {
    const outline = wobblyCircle(10_000);
    const positions = outline.coordinates[0]!;
    // Swap two corners far apart: their edges now cross the outline.
    [positions[100], positions[5_100]] = [positions[5_100]!, positions[100]!];
    const started = performance.now();
    const problem = boundaryProblem(outline);
    const crossingMs = performance.now() - started;
    const validStarted = performance.now();
    expect(boundaryProblem(wobblyCircle(10_000))).toBeNull();
    const validMs = performance.now() - validStarted;
    console.log(`10,000 corners: crossing found in ${crossingMs.toFixed(1)} ms, valid outline checked in ${validMs.toFixed(1)} ms`);
    expect(problem).toMatch(/^crosses itself/);
    // Measured about 10 ms here (testing every pair: about 500 ms); the bound leaves room for a loaded machine.
    expect(validMs).toBeLessThan(1_000);
  });

  it("says when the station lies outside, and when the coordinates look swapped", () => {
    const elsewhere = { lat: 10.05, lon: 76.3 };
    expect(boundaryProblem(square, elsewhere)).toBe(
      "does not contain the station (lat 10.05, lon 76.3); a station's boundary must surround it",
    );
    const swapped = { type: "Polygon", coordinates: [square.coordinates[0]!.map(([lon, lat]) => [lat, lon])] };
    expect(boundaryProblem(swapped)).toBeNull();
    expect(boundaryProblem(swapped, station)).toBe(
      "looks like it has latitude and longitude swapped: GeoJSON positions are [lon, lat], so the station at lat 9.9667, lon 76.2997 is [76.2997, 9.9667]",
    );
  });
});

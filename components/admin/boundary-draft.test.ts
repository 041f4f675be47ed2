import { describe, expect, it } from "vitest";
import { boundaryProblem } from "@/lib/geo/polygon";
import { cornersOf, insertCorner, toBoundary, type Corner } from "./boundary-draft";

const station = { lat: 9.9667, lon: 76.2997 };

describe("boundary drafts", () => {
  it("round-trips a stored boundary through its corners, closing the ring", () => {
    const corners: Corner[] = [
      { lat: 9.96, lon: 76.29 },
      { lat: 9.96, lon: 76.31 },
      { lat: 9.975, lon: 76.3 },
    ];
    const boundary = toBoundary(corners);
    expect(boundary).toEqual({ type: "Polygon", coordinates: [[[76.29, 9.96], [76.31, 9.96], [76.3, 9.975], [76.29, 9.96]]] });
    expect(boundaryProblem(boundary, station)).toBeNull();
    expect(cornersOf(boundary)).toEqual(corners);
    expect(cornersOf(null)).toEqual([]);
  });

  it("draws in click order, and a click beside an edge splits that edge instead of making a bow tie", () => {
    let corners: Corner[] = [];
    // Clicked round the station, anticlockwise.
    for (const c of [
      { lat: 9.96, lon: 76.29 },
      { lat: 9.96, lon: 76.31 },
      { lat: 9.975, lon: 76.31 },
      { lat: 9.975, lon: 76.29 },
    ]) {
      corners = insertCorner(corners, c);
    }
    expect(corners.map((c) => [c.lat, c.lon])).toEqual([[9.96, 76.29], [9.96, 76.31], [9.975, 76.31], [9.975, 76.29]]);
    // Just outside the southern edge: it goes between its two corners.
    corners = insertCorner(corners, { lat: 9.955, lon: 76.3 });
    expect(corners[1]).toEqual({ lat: 9.955, lon: 76.3 });
    expect(boundaryProblem(toBoundary(corners), station)).toBeNull();
  });
});

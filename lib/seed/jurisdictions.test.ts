import { describe, expect, it } from "vitest";
import { boundaryProblem, compileBoundary } from "../geo/polygon";
import { voronoiJurisdictions } from "./jurisdictions";
import { kochiTree } from "./kochi";

describe("the demo's station jurisdictions", () => {
  const { stations } = kochiTree();
  const insides = stations.map((s) => compileBoundary(s.boundary!));

  it("give every Kochi station a valid boundary that surrounds it", () => {
    expect(stations).toHaveLength(30);
    for (const station of stations) {
      expect(station.boundary, station.code).toBeDefined();
      expect(boundaryProblem(station.boundary, station), station.code).toBeNull();
    }
  });

  it("tile the city: a point of the city lies in exactly one jurisdiction, the nearest station's", () => {
    // A grid over the stations' bounding box, which the city's outline contains.
    const lats = stations.map((s) => s.lat);
    const lons = stations.map((s) => s.lon);
    const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
    let covered = 0;
    let total = 0;
    for (let i = 0; i <= 60; i++) {
      for (let j = 0; j <= 60; j++) {
        const lat = south + ((north - south) * (i + 0.5)) / 61;
        const lon = west + ((east - west) * (j + 0.5)) / 61;
        const owners = insides.flatMap((inside, k) => (inside(lat, lon) ? [k] : []));
        total++;
        expect(owners.length, `${lat}, ${lon}`).toBeLessThanOrEqual(1);
        if (owners.length === 0) continue;
        covered++;
        const distance = (k: number) => Math.hypot(stations[k]!.lat - lat, (stations[k]!.lon - lon) * Math.cos((lat * Math.PI) / 180));
        const nearest = stations.reduce((best, _, k) => (distance(k) < distance(best) ? k : best), 0);
        // Positions are rounded to ~10 cm, so a point right on a border may go to the neighbour.
        expect(distance(owners[0]!) - distance(nearest)).toBeLessThan(1e-5);
      }
    }
    // The outline is the stations' hull padded by 2 km: it covers most of their bounding box (the rest is sea).
    expect(covered / total).toBeGreaterThan(0.6);
  });

  it("are the same on every run", () => {
    expect(kochiTree().stations.map((s) => s.boundary)).toEqual(stations.map((s) => s.boundary));
    expect(voronoiJurisdictions(stations)).toEqual(stations.map((s) => s.boundary));
  });
});

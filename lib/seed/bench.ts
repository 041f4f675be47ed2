import { buildFleet, seededRandom, type SeedTree } from "./tree";

/** Size of the `bench` organisation: 4 × 5 × 6 × 5 = 600 stations. */
export const BENCH_SHAPE = { districts: 4, zonesPerDistrict: 5, divisionsPerZone: 6, stationsPerDivision: 5, vehicles: 1_000 };

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/**
 * The `bench` profile: a synthetic city of BENCH_SHAPE's size, stations
 * scattered over greater Kochi. Codes start with `B` so it never collides
 * with the demo tree, and a fixed PRNG seed makes every run identical.
 */
export function benchTree(): SeedTree {
  const random = seededRandom(2024);
  const tree: SeedTree = {
    districts: [],
    zones: [],
    divisions: [],
    stations: [],
    vehicles: [],
    commanders: { district: "BD1", zone: "BD1-Z1", division: "BD1-Z1-V1", station: "BS001" },
  };
  let stationNumber = 0;
  for (let d = 1; d <= BENCH_SHAPE.districts; d++) {
    const districtCode = `BD${d}`;
    tree.districts.push({ code: districtCode, name: `Bench District ${d}` });
    for (let z = 1; z <= BENCH_SHAPE.zonesPerDistrict; z++) {
      const zoneCode = `${districtCode}-Z${z}`;
      tree.zones.push({ code: zoneCode, name: `Zone ${d}.${z}`, districtCode });
      for (let v = 1; v <= BENCH_SHAPE.divisionsPerZone; v++) {
        const divisionCode = `${zoneCode}-V${v}`;
        tree.divisions.push({ code: divisionCode, name: `Division ${d}.${z}.${v}`, zoneCode });
        for (let s = 1; s <= BENCH_SHAPE.stationsPerDivision; s++) {
          stationNumber++;
          tree.stations.push({
            code: `BS${pad(stationNumber, 3)}`,
            name: `Station ${pad(stationNumber, 3)}`,
            lat: round(9.8 + random() * 0.3),
            lon: round(76.2 + random() * 0.2),
            divisionCode,
          });
        }
      }
    }
  }
  // RTO 41 keeps bench registrations apart from the demo fleet's RTO 07.
  tree.vehicles = buildFleet(tree.stations.map((s) => s.code), BENCH_SHAPE.vehicles, "41", random);
  return tree;
}

/** Five decimals (about a metre) is all a station position needs. */
function round(degrees: number): number {
  return Math.round(degrees * 1e5) / 1e5;
}

import { syntheticTree, type SyntheticShape } from "./synthetic";
import type { SeedTree } from "./tree";

/** Size of the `bench` organisation: 4 × 5 × 6 × 5 = 600 stations. */
export const BENCH_SHAPE: SyntheticShape = { districts: 4, zonesPerDistrict: 5, divisionsPerZone: 6, stationsPerDivision: 5, vehicles: 1_000 };

/**
 * The `bench` profile: a synthetic city of BENCH_SHAPE's size, stations
 * scattered over greater Kochi. Codes start with `B` so it never collides
 * with the demo tree, and a fixed PRNG seed makes every run identical.
 */
export function benchTree(): SeedTree {
  return syntheticTree({
    shape: BENCH_SHAPE,
    prefix: "B",
    label: "Bench",
    stationDigits: 3,
    // RTO 41 keeps bench registrations apart from the demo fleet's RTO 07.
    rto: "41",
    seed: 2024,
    place: ({ random }) => ({ lat: 9.8 + random() * 0.3, lon: 76.2 + random() * 0.2 }),
  });
}

import type { BoundaryPolygon } from "../geo/polygon";

/**
 * The shape of a seed profile: flat lists that name their parent by code, so
 * each level goes to the database as one bulk insert.
 */

/** A district to create. */
export interface DistrictSeed {
  code: string;
  name: string;
}

/** A zone to create inside the district with `districtCode`. */
export interface ZoneSeed {
  code: string;
  name: string;
  districtCode: string;
}

/** A division to create inside the zone with `zoneCode`. */
export interface DivisionSeed {
  code: string;
  name: string;
  zoneCode: string;
}

/** A station to create inside the division with `divisionCode`. */
export interface StationSeed {
  code: string;
  name: string;
  lat: number;
  lon: number;
  divisionCode: string;
  /** Its jurisdiction; none when absent. */
  boundary?: BoundaryPolygon;
}

/** A vehicle to create at the station with `stationCode`. */
export interface VehicleSeed {
  callSign: string;
  registration: string;
  stationCode: string;
}

/** A whole organisation plus the units the demo commanders command. */
export interface SeedTree {
  districts: DistrictSeed[];
  zones: ZoneSeed[];
  divisions: DivisionSeed[];
  stations: StationSeed[];
  vehicles: VehicleSeed[];
  /** Codes of the units given to the district, zone, division and station commanders. */
  commanders: { district: string; zone: string; division: string; station: string };
}

/** Deterministic PRNG (mulberry32): the same `seed` yields the same sequence, so seeds are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERIES_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ";

/**
 * `count` vehicles dealt round-robin over `stationCodes` (so counts differ by
 * at most one), with call signs `<station code>-NN` and unique Kerala-style
 * registrations `KL-<rto>-XX-NNNN` drawn from `random`.
 */
export function buildFleet(stationCodes: readonly string[], count: number, rto: string, random: () => number): VehicleSeed[] {
  const perStation = new Map<string, number>();
  const used = new Set<string>();
  const pick = () => SERIES_LETTERS[Math.floor(random() * SERIES_LETTERS.length)]!;
  const vehicles: VehicleSeed[] = [];
  for (let i = 0; i < count; i++) {
    const stationCode = stationCodes[i % stationCodes.length]!;
    const n = (perStation.get(stationCode) ?? 0) + 1;
    perStation.set(stationCode, n);
    let registration: string;
    do {
      const number = String(1 + Math.floor(random() * 9999)).padStart(4, "0");
      registration = `KL-${rto}-${pick()}${pick()}-${number}`;
    } while (used.has(registration));
    used.add(registration);
    vehicles.push({ callSign: `${stationCode}-${String(n).padStart(2, "0")}`, registration, stationCode });
  }
  return vehicles;
}

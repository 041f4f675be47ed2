import { buildFleet, seededRandom, type SeedTree } from "./tree";

/** How many units each level of a synthetic organisation has, and how many vehicles it fields. */
export interface SyntheticShape {
  districts: number;
  zonesPerDistrict: number;
  divisionsPerZone: number;
  stationsPerDivision: number;
  vehicles: number;
}

/** Where a station stands: its district, zone, division and station numbers (each from 0) and the profile's PRNG. */
export interface StationSlot {
  district: number;
  zone: number;
  division: number;
  station: number;
  random: () => number;
}

/** A synthetic profile: its shape, how it names and places units, and its fixed PRNG seed. */
export interface SyntheticSpec {
  shape: SyntheticShape;
  /** First letter of every unit code (`B` → districts `BD1`, stations `BS001`), apart from every other profile's. */
  prefix: string;
  /** Districts are named `<label> District <n>`. */
  label: string;
  /** Digits of a station's number in its code and name. */
  stationDigits: number;
  /** RTO code of the fleet's registrations (`KL-<rto>-…`), apart from every other profile's. */
  rto: string;
  /** PRNG seed: the same seed gives the same organisation on every run. */
  seed: number;
  /** A station's position. Called once per station, in code order, before any vehicle is drawn. */
  place(slot: StationSlot): { lat: number; lon: number };
}

/** The station count of `shape`. */
export function stationCount(shape: SyntheticShape): number {
  return shape.districts * shape.zonesPerDistrict * shape.divisionsPerZone * shape.stationsPerDivision;
}

/**
 * An organisation of `spec.shape`'s size for load tests: districts `<P>D<d>`, zones `<P>D<d>-Z<z>`, divisions
 * `<P>D<d>-Z<z>-V<v>`, stations `<P>S<nnn>` placed by `spec.place`, and the fleet dealt round-robin over the stations.
 * The commanders command the first unit of each level.
 */
export function syntheticTree(spec: SyntheticSpec): SeedTree {
  const { shape, prefix, label } = spec;
  const random = seededRandom(spec.seed);
  const stationCode = (n: number) => `${prefix}S${String(n).padStart(spec.stationDigits, "0")}`;
  const tree: SeedTree = {
    districts: [],
    zones: [],
    divisions: [],
    stations: [],
    vehicles: [],
    commanders: { district: `${prefix}D1`, zone: `${prefix}D1-Z1`, division: `${prefix}D1-Z1-V1`, station: stationCode(1) },
  };
  let stationNumber = 0;
  for (let d = 1; d <= shape.districts; d++) {
    const districtCode = `${prefix}D${d}`;
    tree.districts.push({ code: districtCode, name: `${label} District ${d}` });
    for (let z = 1; z <= shape.zonesPerDistrict; z++) {
      const zoneCode = `${districtCode}-Z${z}`;
      tree.zones.push({ code: zoneCode, name: `Zone ${d}.${z}`, districtCode });
      for (let v = 1; v <= shape.divisionsPerZone; v++) {
        const divisionCode = `${zoneCode}-V${v}`;
        tree.divisions.push({ code: divisionCode, name: `Division ${d}.${z}.${v}`, zoneCode });
        for (let s = 1; s <= shape.stationsPerDivision; s++) {
          stationNumber++;
          const { lat, lon } = spec.place({ district: d - 1, zone: z - 1, division: v - 1, station: s - 1, random });
          tree.stations.push({
            code: stationCode(stationNumber),
            name: `Station ${String(stationNumber).padStart(spec.stationDigits, "0")}`,
            lat: round5(lat),
            lon: round5(lon),
            divisionCode,
          });
        }
      }
    }
  }
  tree.vehicles = buildFleet(tree.stations.map((s) => s.code), shape.vehicles, spec.rto, random);
  return tree;
}

/** Five decimals (about a metre) is all a station position needs. */
function round5(degrees: number): number {
  return Math.round(degrees * 1e5) / 1e5;
}

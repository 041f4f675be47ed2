import { syntheticTree, type StationSlot, type SyntheticShape } from "./synthetic";
import type { SeedTree } from "./tree";

/** Size of the `city` organisation: 6 × 6 × 7 × 8 = 2,016 stations and 5,000 vehicles (a metropolitan force). */
export const CITY_SHAPE: SyntheticShape = { districts: 6, zonesPerDistrict: 6, divisionsPerZone: 7, stationsPerDivision: 8, vehicles: 5_000 };

/** The metropolitan area the `city` stations stand in: about 50 km east–west by 33 km north–south, inland of Kochi. */
export const CITY_AREA = { south: 9.85, north: 10.15, west: 76.22, east: 76.68 };

/** A rectangle of the area, in degrees. */
interface Cell {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** Cell number `index` of `cell` cut into `cols` × `rows`, numbered west to east, then south to north. */
function subCell(cell: Cell, cols: number, rows: number, index: number): Cell {
  const width = (cell.east - cell.west) / cols;
  const height = (cell.north - cell.south) / rows;
  const col = index % cols;
  const row = Math.floor(index / cols);
  return { south: cell.south + row * height, west: cell.west + col * width, north: cell.south + (row + 1) * height, east: cell.west + (col + 1) * width };
}

/**
 * A `city` station's position: districts are 3 × 2 blocks of the area, zones 3 × 2 blocks of their district,
 * divisions 7 east–west bands of their zone, and a station stands anywhere in its division's band; the area is then
 * drawn towards its centre (distance to the centre to the power 1.4), so stations crowd the core as in a real city
 * and thin out at its edge. Every unit's stations stay together, as a jurisdiction's do.
 */
function placeCityStation({ district, zone, division, random }: StationSlot): { lat: number; lon: number } {
  const band = subCell(subCell(subCell(CITY_AREA, 3, 2, district), 3, 2, zone), 1, CITY_SHAPE.divisionsPerZone, division);
  const lat = band.south + random() * (band.north - band.south);
  const lon = band.west + random() * (band.east - band.west);
  // Warp in a frame where both axes are half-extents of 1, so the area's outline maps onto itself.
  const halfLat = (CITY_AREA.north - CITY_AREA.south) / 2;
  const halfLon = (CITY_AREA.east - CITY_AREA.west) / 2;
  const x = (lon - (CITY_AREA.west + halfLon)) / halfLon;
  const y = (lat - (CITY_AREA.south + halfLat)) / halfLat;
  const r = Math.max(Math.abs(x), Math.abs(y));
  const k = r === 0 ? 1 : r ** 0.4;
  return { lat: CITY_AREA.south + halfLat * (1 + y * k), lon: CITY_AREA.west + halfLon * (1 + x * k) };
}

/**
 * The `city` profile: CITY_SHAPE's organisation for the map at city scale (5,000 vehicles on one map). Codes start
 * with `C` and registrations carry RTO 42, apart from the demo (`KOCHI-…`, RTO 07) and bench (`B…`, RTO 41)
 * profiles; a fixed PRNG seed makes every run identical.
 */
export function cityTree(): SeedTree {
  return syntheticTree({ shape: CITY_SHAPE, prefix: "C", label: "City", stationDigits: 4, rto: "42", seed: 5_000, place: placeCityStation });
}

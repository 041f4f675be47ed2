import type { BoundaryPolygon } from "@/lib/geo/polygon";

/** One corner of a boundary being edited. */
export interface Corner {
  lat: number;
  lon: number;
}

/** Positions are rounded to 6 decimals (about 10 cm): finer than any click. */
const DECIMALS = 6;

/** The corners of a stored boundary (its ring without the closing repeat of the first); none for null. */
export function cornersOf(boundary: BoundaryPolygon | null): Corner[] {
  const ring = boundary?.coordinates[0] ?? [];
  return ring.slice(0, -1).map(([lon, lat]) => ({ lat, lon }));
}

/** The GeoJSON Polygon for `corners` (at least 3): `[lon, lat]` positions, the ring closed. */
export function toBoundary(corners: readonly Corner[]): BoundaryPolygon {
  const ring = corners.map((c): [number, number] => [round(c.lon), round(c.lat)]);
  return { type: "Polygon", coordinates: [[...ring, ring[0]!]] };
}

/**
 * `corners` with `point` added where it lengthens the outline least: clicking round a station draws the outline
 * in click order (each new corner goes between the last and the first), and a click beside an edge splits
 * that edge — so adjusting a drawn boundary never reorders it into a bow tie.
 */
export function insertCorner(corners: readonly Corner[], point: Corner): Corner[] {
  if (corners.length < 3) return [...corners, point];
  const scale = Math.cos((point.lat * Math.PI) / 180);
  const distance = (a: Corner, b: Corner) => Math.hypot(a.lat - b.lat, (a.lon - b.lon) * scale);
  let best = corners.length;
  let bestCost = Infinity;
  for (let i = 0; i < corners.length; i++) {
    const a = corners[i]!;
    const b = corners[(i + 1) % corners.length]!;
    const cost = distance(a, point) + distance(point, b) - distance(a, b);
    if (cost < bestCost) {
      bestCost = cost;
      best = i + 1;
    }
  }
  return [...corners.slice(0, best), point, ...corners.slice(best)];
}

function round(value: number): number {
  return Number(value.toFixed(DECIMALS));
}

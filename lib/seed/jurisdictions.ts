import { Delaunay } from "d3-delaunay";
import type { BoundaryPolygon } from "../geo/polygon";

/** Metres per degree of latitude. */
const M_PER_DEG = 111_320;

/** Options of `voronoiJurisdictions`. */
export interface JurisdictionOptions {
  /** How far the city outline reaches beyond the outermost stations, in metres: 2,000. */
  paddingM?: number;
}

/**
 * Plausible jurisdictions for a seeded city: each station gets the area nearer to it than to any other station
 * (its Voronoi cell), clipped to the city's outline — the convex hull of the stations pushed `paddingM` outwards,
 * so no beat runs off into the sea or the next district. Cells tile the outline without overlapping, each
 * surrounds its station, and each is a valid `BoundaryPolygon` (counter-clockwise, closed, positions rounded to
 * 6 decimals, about 10 cm). Deterministic: the same stations give the same boundaries.
 */
export function voronoiJurisdictions(stations: readonly { lat: number; lon: number }[], opts: JurisdictionOptions = {}): BoundaryPolygon[] {
  const padding = opts.paddingM ?? 2_000;
  const latitude = stations.reduce((sum, s) => sum + s.lat, 0) / stations.length;
  // Plane coordinates in metres around the first station: Voronoi cells need distances that are true in both axes.
  const kx = M_PER_DEG * Math.cos((latitude * Math.PI) / 180);
  const origin = stations[0]!;
  const toPlane = (s: { lat: number; lon: number }): [number, number] => [(s.lon - origin.lon) * kx, (s.lat - origin.lat) * M_PER_DEG];
  const toLonLat = ([x, y]: readonly [number, number]): [number, number] => [round6(origin.lon + x / kx), round6(origin.lat + y / M_PER_DEG)];

  const points = stations.map(toPlane);
  const outline = paddedHull(points, padding);
  const xs = outline.map(([x]) => x);
  const ys = outline.map(([, y]) => y);
  const voronoi = Delaunay.from(points).voronoi([Math.min(...xs) - 1, Math.min(...ys) - 1, Math.max(...xs) + 1, Math.max(...ys) + 1]);
  return points.map((_, i) => {
    const cell = voronoi.cellPolygon(i) as [number, number][];
    const clipped = clipConvex(outline, counterClockwise(cell.slice(0, -1)));
    return { type: "Polygon", coordinates: [closedRing(clipped.map(toLonLat))] };
  });
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Twice the signed area: positive when the ring (not closed) turns counter-clockwise. */
function signedArea(ring: readonly [number, number][]): number {
  let area = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) area += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return area;
}

function counterClockwise(ring: [number, number][]): [number, number][] {
  return signedArea(ring) < 0 ? [...ring].reverse() : ring;
}

/** The ring closed (first repeated last), without the repeats that rounding can leave between neighbours. */
function closedRing(ring: [number, number][]): [number, number][] {
  const out = ring.filter((p, i) => {
    const prev = ring[(i + ring.length - 1) % ring.length]!;
    return i === 0 || p[0] !== prev[0] || p[1] !== prev[1];
  });
  while (out.length > 1 && out[0]![0] === out.at(-1)![0] && out[0]![1] === out.at(-1)![1]) out.pop();
  return [...out, out[0]!];
}

/** Convex hull (monotone chain, counter-clockwise) with each corner pushed `padding` away from the centroid. */
function paddedHull(points: readonly [number, number][], padding: number): [number, number][] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: [number, number][]) => {
    const out: [number, number][] = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    return out.slice(0, -1);
  };
  const hull = [...half(sorted), ...half([...sorted].reverse())];
  const cx = hull.reduce((s, p) => s + p[0], 0) / hull.length;
  const cy = hull.reduce((s, p) => s + p[1], 0) / hull.length;
  return hull.map(([x, y]) => {
    const d = Math.hypot(x - cx, y - cy) || 1;
    return [x + ((x - cx) / d) * padding, y + ((y - cy) / d) * padding];
  });
}

/** `subject` clipped to the convex, counter-clockwise `clip` (Sutherland–Hodgman); both rings open. */
function clipConvex(subject: [number, number][], clip: [number, number][]): [number, number][] {
  let output = subject;
  for (let i = 0; i < clip.length && output.length; i++) {
    const a = clip[i]!;
    const b = clip[(i + 1) % clip.length]!;
    const inside = (p: [number, number]) => (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0;
    const cut = (p: [number, number], q: [number, number]): [number, number] => {
      const dx = q[0] - p[0], dy = q[1] - p[1];
      const t = ((a[0] - p[0]) * (b[1] - a[1]) - (a[1] - p[1]) * (b[0] - a[0])) / (dx * (b[1] - a[1]) - dy * (b[0] - a[0]));
      return [p[0] + t * dx, p[1] + t * dy];
    };
    const input = output;
    output = [];
    for (let k = 0; k < input.length; k++) {
      const current = input[k]!;
      const previous = input[(k + input.length - 1) % input.length]!;
      if (inside(current)) {
        if (!inside(previous)) output.push(cut(previous, current));
        output.push(current);
      } else if (inside(previous)) {
        output.push(cut(previous, current));
      }
    }
  }
  return output;
}

/** Metres per degree of latitude. */
const M_PER_DEG = 111_320;

/** Speed of a speeding spell: 31 m/s (112 km/h), above the 100 km/h an OVERSPEED alert is raised at. */
export const SPEEDING_MS = 31;

/** Whether a point lies inside a station's jurisdiction (`compileBoundary` of lib/geo/polygon). */
export type Beat = (lat: number, lon: number) => boolean;

/** A simulated vehicle's kinematic state. */
export interface Drive {
  lat: number;
  lon: number;
  /** m/s */
  speed: number;
  /** degrees, [0, 360) */
  heading: number;
  target: { lat: number; lon: number };
  /** Parked vehicles stand still (speed 0) until `parkedUntil`. */
  parkedUntil: number;
  /** Until then (epoch ms) the vehicle races at `SPEEDING_MS`; 0 when it is not speeding. */
  speedingUntil: number;
  /** Whether `target` lies outside the beat (an excursion from `strayTarget`); on arrival it heads back in. */
  straying: boolean;
}

/**
 * Options of `startDrive` / `advance`: radius around home in metres (default 2,500), cruise speeds (default
 * 6–14 m/s), and the station's `beat` (default none): with one, every destination is drawn inside it, so a
 * vehicle leaves its jurisdiction only on an excursion (`strayTarget`).
 */
export interface DriveOptions {
  radiusM?: number;
  minSpeed?: number;
  maxSpeed?: number;
  beat?: Beat;
}

/** A point `r` metres from (`lat`, `lon`) on bearing `a` (radians from north). */
function offset(lat: number, lon: number, r: number, a: number) {
  return { lat: lat + (r * Math.cos(a)) / M_PER_DEG, lon: lon + (r * Math.sin(a)) / (M_PER_DEG * Math.cos((lat * Math.PI) / 180)) };
}

/** A random point within `radiusM` of home — inside `beat` when given (after 50 misses, home itself). */
function randomPointNear(home: { lat: number; lon: number }, radiusM: number, random: () => number, beat?: Beat) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const point = offset(home.lat, home.lon, radiusM * Math.sqrt(random()), random() * 2 * Math.PI);
    if (!beat || beat(point.lat, point.lon)) return point;
  }
  return { lat: home.lat, lon: home.lon };
}

/**
 * A destination outside the beat: on a random bearing from home, the first point (in 50 m steps, up to 10 km)
 * outside the beat, then `beyondM` further (default 300–800 m), so the vehicle crosses its border by a margin
 * a GPS error cannot explain away. Null when the beat reaches 10 km out on that bearing.
 */
export function strayTarget(home: { lat: number; lon: number }, beat: Beat, random: () => number, beyondM = 300 + random() * 500) {
  const a = random() * 2 * Math.PI;
  for (let r = 50; r <= 10_000; r += 50) {
    const point = offset(home.lat, home.lon, r, a);
    if (!beat(point.lat, point.lon)) return offset(home.lat, home.lon, r + beyondM, a);
  }
  return null;
}

/** Bearing in degrees [0, 360) from a to b. */
export function bearing(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dy = b.lat - a.lat;
  const dx = (b.lon - a.lon) * Math.cos((a.lat * Math.PI) / 180);
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

/** Distance in metres (equirectangular; fine over a few km). */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dy = (b.lat - a.lat) * M_PER_DEG;
  const dx = (b.lon - a.lon) * M_PER_DEG * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

/** A vehicle starting near its home station, heading for a random point around it. */
export function startDrive(home: { lat: number; lon: number }, random: () => number, opts: DriveOptions = {}): Drive {
  const radius = opts.radiusM ?? 2_500;
  const start = randomPointNear(home, radius / 4, random, opts.beat);
  const target = randomPointNear(home, radius, random, opts.beat);
  return { ...start, speed: 0, heading: bearing(start, target), target, parkedUntil: 0, speedingUntil: 0, straying: false };
}

/**
 * Moves a vehicle `dtS` seconds along: it turns smoothly (≤ 45°/s) towards
 * its target, accelerates gently towards a cruise speed (hard towards
 * `SPEEDING_MS` during a speeding spell), and on arrival sometimes parks for
 * a while before picking the next target near `home` (inside the beat: an
 * excursion ends by heading back).
 */
export function advance(d: Drive, home: { lat: number; lon: number }, dtS: number, now: number, random: () => number, opts: DriveOptions = {}): Drive {
  const radius = opts.radiusM ?? 2_500;
  const minSpeed = opts.minSpeed ?? 6;
  const maxSpeed = opts.maxSpeed ?? 14;
  const speeding = now < d.speedingUntil;
  if (now < d.parkedUntil) return { ...d, speed: 0 };
  if (distanceM(d, d.target) < 40) {
    const park = !speeding && random() < 0.15;
    const target = randomPointNear(home, radius, random, opts.beat);
    return { ...d, speed: speeding ? d.speed : 0, target, parkedUntil: park ? now + 20_000 + random() * 60_000 : 0, straying: false };
  }
  const wanted = bearing(d, d.target);
  const turn = ((wanted - d.heading + 540) % 360) - 180;
  const maxTurn = 45 * dtS;
  const heading = (d.heading + Math.max(-maxTurn, Math.min(maxTurn, turn)) + 360) % 360;
  const cruise = speeding ? SPEEDING_MS : minSpeed + (maxSpeed - minSpeed) * (0.5 + 0.5 * Math.sin(now / 20_000 + d.target.lat * 1e4));
  const speed = d.speed + Math.max(-3 * dtS, Math.min((speeding ? 4 : 2) * dtS, cruise - d.speed));
  const step = Math.min(speed * dtS, distanceM(d, d.target));
  const rad = (heading * Math.PI) / 180;
  return {
    ...d,
    heading,
    speed,
    lat: d.lat + (step * Math.cos(rad)) / M_PER_DEG,
    lon: d.lon + (step * Math.sin(rad)) / (M_PER_DEG * Math.cos((d.lat * Math.PI) / 180)),
  };
}

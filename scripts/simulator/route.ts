/** Metres per degree of latitude. */
const M_PER_DEG = 111_320;

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
}

/** Options of `startDrive` / `advance`: radius around home in metres (default 2,500) and cruise speeds (default 6–14 m/s). */
export interface DriveOptions {
  radiusM?: number;
  minSpeed?: number;
  maxSpeed?: number;
}

function randomPointNear(lat: number, lon: number, radiusM: number, random: () => number) {
  const r = radiusM * Math.sqrt(random());
  const a = random() * 2 * Math.PI;
  return { lat: lat + (r * Math.cos(a)) / M_PER_DEG, lon: lon + (r * Math.sin(a)) / (M_PER_DEG * Math.cos((lat * Math.PI) / 180)) };
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
  const start = randomPointNear(home.lat, home.lon, radius / 4, random);
  const target = randomPointNear(home.lat, home.lon, radius, random);
  return { ...start, speed: 0, heading: bearing(start, target), target, parkedUntil: 0 };
}

/**
 * Moves a vehicle `dtS` seconds along: it turns smoothly (≤ 45°/s) towards
 * its target, accelerates gently towards a cruise speed, and on arrival
 * sometimes parks for a while before picking the next target near `home`.
 */
export function advance(d: Drive, home: { lat: number; lon: number }, dtS: number, now: number, random: () => number, opts: DriveOptions = {}): Drive {
  const radius = opts.radiusM ?? 2_500;
  const minSpeed = opts.minSpeed ?? 6;
  const maxSpeed = opts.maxSpeed ?? 14;
  if (now < d.parkedUntil) return { ...d, speed: 0 };
  if (distanceM(d, d.target) < 40) {
    const park = random() < 0.15;
    return { ...d, speed: 0, target: randomPointNear(home.lat, home.lon, radius, random), parkedUntil: park ? now + 20_000 + random() * 60_000 : 0 };
  }
  const wanted = bearing(d, d.target);
  const turn = ((wanted - d.heading + 540) % 360) - 180;
  const maxTurn = 45 * dtS;
  const heading = (d.heading + Math.max(-maxTurn, Math.min(maxTurn, turn)) + 360) % 360;
  const cruise = minSpeed + (maxSpeed - minSpeed) * (0.5 + 0.5 * Math.sin(now / 20_000 + d.target.lat * 1e4));
  const speed = d.speed + Math.max(-3 * dtS, Math.min(2 * dtS, cruise - d.speed));
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

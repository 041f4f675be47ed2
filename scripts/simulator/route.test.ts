import { describe, expect, it } from "vitest";
import { compileBoundary } from "@/lib/geo/polygon";
import { kochiTree } from "@/lib/seed/kochi";
import { seededRandom } from "@/lib/seed/tree";
import { advance, distanceM, SPEEDING_MS, startDrive, strayTarget } from "./route";

const home = { lat: 9.9667, lon: 76.2997 };

describe("simulated drive", () => {
  it("moves at plausible speeds, turns smoothly and stays near home", () => {
    const random = seededRandom(42);
    let d = startDrive(home, random);
    let now = 0;
    for (let i = 0; i < 2_000; i++) {
      const next = advance(d, home, 1, now, random);
      const moved = distanceM(d, next);
      expect(moved).toBeLessThanOrEqual(15);
      expect(next.speed).toBeGreaterThanOrEqual(0);
      expect(next.speed).toBeLessThanOrEqual(15);
      expect(next.heading).toBeGreaterThanOrEqual(0);
      expect(next.heading).toBeLessThan(360);
      if (d.speed > 0 && next.speed > 0) {
        const turn = Math.abs(((next.heading - d.heading + 540) % 360) - 180);
        expect(turn).toBeLessThanOrEqual(45.001);
      }
      expect(distanceM(home, next)).toBeLessThan(3_500);
      d = next;
      now += 1_000;
    }
  });
});

describe("control-room driving", () => {
  const { stations } = kochiTree();
  const kdv = stations.find((s) => s.code === "KDV")!;
  const beat = compileBoundary(kdv.boundary!);

  it("keeps a vehicle inside its station's boundary when it has one", () => {
    const random = seededRandom(5);
    let d = startDrive(kdv, random, { beat });
    let outside = 0;
    for (let now = 0; now < 4 * 3_600_000; now += 5_000) {
      d = advance(d, kdv, 5, now, random, { beat });
      if (!beat(d.lat, d.lon)) outside++;
    }
    // The seeded boundaries are convex: straight drives between points inside stay inside.
    expect(outside).toBe(0);
  });

  it("on an excursion, leaves the boundary by hundreds of metres, then drives back in", () => {
    const random = seededRandom(11);
    for (let trip = 0; trip < 20; trip++) {
      const target = strayTarget(kdv, beat, random)!;
      expect(beat(target.lat, target.lon)).toBe(false);
      let d = { ...startDrive(kdv, random, { beat }), target, straying: true };
      let left = false;
      let farthestOut = 0;
      let now = 0;
      for (; now < 3_600_000 && !(left && beat(d.lat, d.lon)); now += 5_000) {
        d = advance(d, kdv, 5, now, random, { beat });
        if (!beat(d.lat, d.lon)) {
          left = true;
          farthestOut = Math.max(farthestOut, distanceM(kdv, d));
        }
      }
      expect(left).toBe(true);
      expect(d.straying).toBe(false);
      expect(beat(d.lat, d.lon)).toBe(true);
      expect(farthestOut).toBeLessThan(12_000);
    }
  });

  it("during a speeding spell, reports more than 100 km/h on several consecutive points", () => {
    const random = seededRandom(13);
    let d = startDrive(home, random);
    d = { ...d, speedingUntil: 60_000 };
    const speeds: number[] = [];
    for (let now = 0; now < 90_000; now += 5_000) {
      d = advance(d, home, 5, now, random);
      speeds.push(d.speed);
    }
    const over = speeds.map((s) => s > 27.8);
    expect(Math.max(...speeds)).toBeCloseTo(SPEEDING_MS, 0);
    let run = 0;
    let longest = 0;
    for (const o of over) longest = Math.max(longest, (run = o ? run + 1 : 0));
    expect(longest).toBeGreaterThanOrEqual(5);
    // And back to town speeds afterwards.
    expect(speeds.at(-1)!).toBeLessThanOrEqual(15);
  });
});

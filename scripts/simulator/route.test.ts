import { describe, expect, it } from "vitest";
import { seededRandom } from "@/lib/seed/tree";
import { advance, distanceM, startDrive } from "./route";

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

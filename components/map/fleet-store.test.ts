import { describe, expect, it } from "vitest";
import type { PatrolView, ServerFrame } from "@/lib/realtime/protocol";
import { freshnessOf, reduceFrames } from "./fleet-store";

const patrol = (patrolId: number, last: PatrolView["last"] = null): PatrolView => ({
  patrolId,
  vehicleId: patrolId * 10,
  callSign: `KDV-${patrolId}`,
  stationId: 5,
  divisionId: 2,
  zoneId: 3,
  districtId: 1,
  startedAt: 1,
  last,
});

describe("reduceFrames", () => {
  it("replaces on SNAPSHOT, updates on TELEMETRY, adds and removes on system events", () => {
    const frames: ServerFrame[] = [
      { type: "SNAPSHOT", scope: { level: "zone", id: 3 }, patrols: [patrol(1), patrol(2)] },
      { type: "TELEMETRY", patrolId: 1, lat: 9.97, lon: 76.29, ts: 1000, speed: 8 },
      { type: "SYSTEM_EVENT", event: "ADD_CAR", patrol: patrol(3) },
      { type: "SYSTEM_EVENT", event: "REMOVE_CAR", patrol: { patrolId: 2 } },
    ];
    const { patrols, scope } = reduceFrames(new Map([[9, patrol(9)]]), null, frames);
    expect([...patrols.keys()].sort()).toEqual([1, 3]);
    expect(patrols.get(1)?.last).toEqual({ lat: 9.97, lon: 76.29, ts: 1000, speed: 8 });
    expect(scope).toEqual({ level: "zone", id: 3 });
  });

  it("never moves a marker backwards in time and ignores telemetry of unknown patrols", () => {
    const start = new Map([[1, patrol(1, { lat: 1, lon: 1, ts: 2000 })]]);
    const { patrols } = reduceFrames(start, null, [
      { type: "TELEMETRY", patrolId: 1, lat: 5, lon: 5, ts: 1000 },
      { type: "TELEMETRY", patrolId: 7, lat: 5, lon: 5, ts: 3000 },
    ]);
    expect(patrols.get(1)?.last?.lat).toBe(1);
    expect(patrols.has(7)).toBe(false);
  });

  it("does not mutate the previous map", () => {
    const before = new Map([[1, patrol(1)]]);
    reduceFrames(before, null, [{ type: "SYSTEM_EVENT", event: "REMOVE_CAR", patrol: { patrolId: 1 } }]);
    expect(before.has(1)).toBe(true);
  });
});

describe("freshnessOf", () => {
  it("is live under 30 s, stale from 30 s, offline from 120 s or without a position", () => {
    const now = 1_000_000;
    expect(freshnessOf({ lat: 0, lon: 0, ts: now - 29_999 }, now)).toBe("live");
    expect(freshnessOf({ lat: 0, lon: 0, ts: now - 30_000 }, now)).toBe("stale");
    expect(freshnessOf({ lat: 0, lon: 0, ts: now - 120_000 }, now)).toBe("offline");
    expect(freshnessOf(null, now)).toBe("offline");
  });
});

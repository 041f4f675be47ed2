import { describe, expect, it } from "vitest";
import type { PatrolView } from "@/lib/realtime/protocol";
import { ageingClock, freshnessOf } from "./fleet-store";
import { describeFilter, isFiltered, listedRows, NO_FILTER, patrolComparator, patrolMatcher, stableOrder } from "./patrol-triage";

const NOW = 1_764_200_000_000;
const patrol = (patrolId: number, callSign: string, change: Partial<PatrolView> = {}): PatrolView => ({
  patrolId,
  vehicleId: patrolId,
  callSign,
  stationId: patrolId % 2 ? 5 : 6,
  divisionId: 2,
  zoneId: 3,
  districtId: 1,
  startedAt: 1,
  status: "AVAILABLE",
  last: { lat: 9.97, lon: 76.29, ts: NOW - 1_000, speed: 5 },
  ...change,
});
const stationName = (id: number) => (id === 5 ? "Kadavanthra" : "Palarivattom");
const at = (ageMs: number, speed = 5) => ({ lat: 9.97, lon: 76.29, ts: NOW - ageMs, speed });

describe("ageingClock", () => {
  it("runs with the wall clock while live and stands still at the last frame while the dashboard is cut off", () => {
    expect(ageingClock("live", NOW - 60_000, NOW)).toBe(NOW);
    expect(ageingClock("connecting", null, NOW)).toBe(NOW);
    const lostAt = NOW - 45_000;
    for (const status of ["reconnecting", "offline"] as const) expect(ageingClock(status, lostAt, NOW)).toBe(lostAt);
  });

  it("keeps a unit live that reported 10 s before the dashboard lost its connection 45 s ago", () => {
    const last = at(55_000);
    expect(freshnessOf(last, NOW)).toBe("stale");
    expect(freshnessOf(last, ageingClock("reconnecting", NOW - 45_000, NOW))).toBe("live");
    // Back live: the wall clock again, and the snapshot's newer position decides.
    expect(freshnessOf(at(2_000), ageingClock("live", NOW, NOW))).toBe("live");
  });
});

describe("patrolMatcher", () => {
  const fleet = [patrol(1, "KDV-01", { last: at(1_000) }), patrol(2, "PLV-02", { last: at(40_000), status: "BUSY" }), patrol(3, "KDV-03", { last: null })];
  const ids = (filter: Parameters<typeof patrolMatcher>[0]) => fleet.filter(patrolMatcher(filter, NOW, stationName)).map((p) => p.patrolId);

  it("matches call sign or station name, freshness and duty status, all at once", () => {
    expect(ids(NO_FILTER)).toEqual([1, 2, 3]);
    expect(ids({ ...NO_FILTER, query: " kdv " })).toEqual([1, 3]);
    expect(ids({ ...NO_FILTER, query: "palari" })).toEqual([2]);
    expect(ids({ ...NO_FILTER, freshness: "stale" })).toEqual([2]);
    expect(ids({ ...NO_FILTER, freshness: "offline" })).toEqual([3]);
    expect(ids({ ...NO_FILTER, duty: "BUSY" })).toEqual([2]);
    expect(ids({ query: "kdv", freshness: "live", duty: null })).toEqual([1]);
    expect(ids({ ...NO_FILTER, query: "xyz" })).toEqual([]);
  });

  it("says what is filtered, in words", () => {
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, query: "  " })).toBe(false);
    expect(describeFilter({ query: "xyz", freshness: "stale", duty: "ON_SCENE" })).toBe("matches “xyz” and is stale and is on scene");
  });
});

describe("patrolComparator and stableOrder", () => {
  const fleet = [
    patrol(1, "KDV-01", { last: at(1_000, 10) }),
    patrol(2, "KDV-02", { last: at(90_000, 3) }),
    patrol(3, "KDV-03", { last: null }),
    patrol(4, "KDV-04", { last: at(90_000, 3) }),
  ];
  const sorted = (key: Parameters<typeof patrolComparator>[0]) => [...fleet].sort(patrolComparator(key, stationName)).map((p) => p.patrolId);

  it("puts the silent longest first (never reported first of all) and breaks ties by call sign", () => {
    expect(sorted("silentLongest")).toEqual([3, 2, 4, 1]);
    expect(sorted("lastSeen")).toEqual([1, 2, 4, 3]);
    expect(sorted("speed")).toEqual([1, 2, 4, 3]);
  });

  it("keeps the previous order until asked to re-sort: leavers go, newcomers join at the end", () => {
    const bySpeed = patrolComparator("speed", stationName);
    const first = stableOrder([], fleet, bySpeed, true);
    expect(first).toEqual([1, 2, 4, 3]);
    // Unit 3 overtakes everybody and unit 2 leaves; unit 5 joins.
    const next = [patrol(1, "KDV-01", { last: at(0, 1) }), patrol(3, "KDV-03", { last: at(0, 30) }), patrol(4, "KDV-04", { last: at(0, 3) }), patrol(5, "KDV-05", { last: at(0, 50) })];
    expect(stableOrder(first, next, bySpeed, false)).toEqual([1, 4, 3, 5]);
    expect(stableOrder(first, next, bySpeed, true)).toEqual([5, 3, 4, 1]);
    // The same input re-sorted twice gives the same order (no jitter between equal units).
    expect(stableOrder([], [...next].reverse(), bySpeed, true)).toEqual([5, 3, 4, 1]);
  });
});

describe("listedRows", () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ patrolId: i + 1 }));

  it("draws every row of a short list", () => {
    expect(listedRows(rows, null, 10).map((r) => r.patrolId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("draws the first rows of a long list, and the followed unit after them when it is further down", () => {
    expect(listedRows(rows, null, 3).map((r) => r.patrolId)).toEqual([1, 2, 3]);
    expect(listedRows(rows, 2, 3).map((r) => r.patrolId)).toEqual([1, 2, 3]);
    expect(listedRows(rows, 8, 3).map((r) => r.patrolId)).toEqual([1, 2, 3, 8]);
    expect(listedRows(rows, 99, 3).map((r) => r.patrolId)).toEqual([1, 2, 3]);
  });
});

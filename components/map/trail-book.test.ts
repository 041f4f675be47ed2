import { describe, expect, it } from "vitest";
import type { PatrolView } from "@/lib/realtime/protocol";
import { FOLLOWED_TRAIL_MS, SHORT_TRAIL_MS, TrailBook } from "./trail-book";

const patrol = (patrolId: number, ts: number | null, lat = 9.9): PatrolView => ({
  patrolId,
  vehicleId: patrolId,
  callSign: `P-${patrolId}`,
  stationId: 1,
  divisionId: 1,
  zoneId: 1,
  districtId: 1,
  startedAt: 0,
  status: "AVAILABLE",
  last: ts === null ? null : { lat, lon: 76.3, ts },
});
const fleet = (...patrols: PatrolView[]) => new Map(patrols.map((p) => [p.patrolId, p]));
const tsOf = (book: TrailBook, id: number, since = 0) => book.since(id, since).map((p) => p.ts);

describe("TrailBook", () => {
  it("appends each new last position once, ignores repeats and older ones, and forgets patrols that left", () => {
    const book = new TrailBook();
    book.observe(fleet(patrol(1, 1_000), patrol(2, null)));
    book.observe(fleet(patrol(1, 1_000), patrol(2, 1_500)));
    book.observe(fleet(patrol(1, 2_000), patrol(2, 1_400)));
    expect(tsOf(book, 1)).toEqual([1_000, 2_000]);
    expect(tsOf(book, 2)).toEqual([1_500]);
    expect([...book.takeChanged()].sort()).toEqual([1, 2]);
    expect(book.takeChanged().size).toBe(0);
    book.observe(fleet(patrol(1, 2_000)));
    expect(tsOf(book, 2)).toEqual([]);
    expect([...book.takeChanged()]).toEqual([2]);
  });

  it("merges a backfill from the track API into the live trail: ts order, one point per ts, no gap", () => {
    const book = new TrailBook();
    book.observe(fleet(patrol(1, 5_000, 9.95)));
    // The stored track holds the points before the page opened and those the feed missed while it was down.
    book.backfill(1, [
      { ts: 1_000, lat: 9.91, lon: 76.3 },
      { ts: 3_000, lat: 9.93, lon: 76.3 },
      { ts: 5_000, lat: 9.0, lon: 76.3 },
    ]);
    book.observe(fleet(patrol(1, 6_000, 9.96)));
    expect(book.since(1, 0).map((p) => [p.ts, p.lat])).toEqual([
      [1_000, 9.91],
      [3_000, 9.93],
      [5_000, 9.95],
      [6_000, 9.96],
    ]);
    expect(tsOf(book, 1, 3_000)).toEqual([3_000, 5_000, 6_000]);
  });

  it("keeps 15 minutes for the followed patrol and 5 for the others, and always the newest point", () => {
    const now = 100 * 60_000;
    const book = new TrailBook();
    const points = [20, 12, 8, 2].map((minutesAgo) => ({ ts: now - minutesAgo * 60_000, lat: 9.9, lon: 76.3 }));
    book.backfill(1, points);
    book.backfill(2, points);
    book.backfill(3, [{ ts: now - 60 * 60_000, lat: 9.9, lon: 76.3 }]);
    book.prune(now, 1);
    expect(tsOf(book, 1)).toEqual([now - 12 * 60_000, now - 8 * 60_000, now - 2 * 60_000]);
    expect(tsOf(book, 2)).toEqual([now - 2 * 60_000]);
    expect(tsOf(book, 3)).toEqual([now - 60 * 60_000]);
    expect(FOLLOWED_TRAIL_MS).toBe(15 * 60_000);
    expect(SHORT_TRAIL_MS).toBe(5 * 60_000);
  });
});

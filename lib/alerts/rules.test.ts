import { describe, expect, it } from "vitest";
import { AlertRules, type Jurisdiction } from "./rules";

const kmh = (v: number) => v / 3.6;
const point = (ts: number, speedKmh: number | null, lat = 10, lon = 76) => ({ patrolId: 1, ts, lat, lon, speed: speedKmh === null ? null : kmh(speedKmh) });

describe("alert rules", () => {
  it("calls two consecutive points over the limit speeding, not one fast fix", () => {
    const rules = new AlertRules(kmh(100));
    expect(rules.check(point(1, 120), null)).toEqual([]);
    expect(rules.check(point(2, 90), null)).toEqual([]);
    expect(rules.check(point(3, 130), null)).toEqual([]);
    expect(rules.check(point(4, 101), null)).toEqual([{ kind: "OVERSPEED", detail: { speedKmh: 101, limitKmh: 100 } }]);
  });

  it("does not count a point without speed, or a late one, as consecutive", () => {
    const rules = new AlertRules(kmh(100));
    rules.check(point(10, 120), null);
    expect(rules.check(point(11, null), null)).toEqual([]);
    expect(rules.check(point(12, 120), null)).toEqual([]);
    // A backlog point older than ts 12 arrives late: it is history, not the present.
    expect(rules.check(point(5, 150), null)).toEqual([]);
    expect(rules.check(point(13, 120), null)).toHaveLength(1);
  });

  it("calls a point outside the station's boundary leaving the jurisdiction", () => {
    const rules = new AlertRules(null);
    const square: Jurisdiction = { stationId: 7, stationName: "Kadavanthra", inside: (lat, lon) => lat >= 9 && lat <= 11 && lon >= 75 && lon <= 77 };
    expect(rules.check(point(1, 200, 10, 76), square)).toEqual([]);
    expect(rules.check(point(2, 200, 12, 76), square)).toEqual([{ kind: "LEFT_JURISDICTION", detail: { stationId: 7, stationName: "Kadavanthra" } }]);
    expect(rules.check(point(3, 10, 12, 76), { ...square, inside: null })).toEqual([]);
  });
});

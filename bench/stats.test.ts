import { describe, expect, it } from "vitest";
import type { ClientFrames } from "../test/support/load/dashboards";
import { pointKey } from "../test/support/load/telemetry-driver";
import { joinDeliveries, percentiles } from "./stats";

const frames = (clientId: number, rows: Array<[patrolId: number, ts: number, receivedAt: number]>): ClientFrames => ({
  clientId,
  patrolIds: Float64Array.from(rows.map((r) => r[0])),
  ts: Float64Array.from(rows.map((r) => r[1])),
  receivedAt: Float64Array.from(rows.map((r) => r[2])),
});

describe("percentiles", () => {
  it("uses nearest rank", () => {
    const p = percentiles(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(p).toMatchObject({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it("is all zero for no sample", () => {
    expect(percentiles([])).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe("joinDeliveries", () => {
  const sent = new Map<string, { patrolId: number; sentAt: number }>([
    [pointKey(1, 1000), { patrolId: 1, sentAt: 10 }],
    [pointKey(1, 1001), { patrolId: 1, sentAt: 20 }],
    [pointKey(2, 1000), { patrolId: 2, sentAt: 30 }],
  ]);

  it("expects every point of a visible patrol and measures each delivery once", () => {
    const result = joinDeliveries(
      sent,
      [
        frames(0, [
          [1, 1000, 12],
          [1, 1001, 23],
          [1, 1001, 25],
          [2, 1000, 31],
        ]),
        frames(1, [[2, 1000, 34]]),
      ],
      (clientId) => new Set(clientId === 0 ? [1, 2] : [2]),
    );
    expect(result.clients).toEqual([
      { clientId: 0, expected: 3, delivered: 3, duplicates: 1 },
      { clientId: 1, expected: 1, delivered: 1, duplicates: 0 },
    ]);
    expect([...result.latenciesMs]).toEqual([2, 3, 1, 4]);
  });

  it("ignores frames of points sent outside the window and counts what is missing", () => {
    const result = joinDeliveries(sent, [frames(0, [[1, 999, 5]])], () => new Set([1]));
    expect(result.clients).toEqual([{ clientId: 0, expected: 2, delivered: 0, duplicates: 0 }]);
  });
});

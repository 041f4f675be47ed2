import { describe, expect, it } from "vitest";
import { DAY_MS, dayStart, partitionName, retentionCutoff } from "./partitions";

describe("position partitions", () => {
  it("names a UTC day's partition after its date", () => {
    expect(partitionName(Date.UTC(2026, 10, 30))).toBe("positions_p20261130");
    expect(dayStart(Date.UTC(2026, 10, 30, 23, 59, 59, 999))).toBe(Date.UTC(2026, 10, 30));
  });

  it("keeps exactly the days not yet wholly older than the retention", () => {
    const now = Date.UTC(2026, 10, 30, 12);
    // With 1 day of retention, yesterday still holds points younger than 24 h; the day before does not.
    expect(retentionCutoff(1, now)).toBe(Date.UTC(2026, 10, 29));
    expect(retentionCutoff(365, now)).toBe(dayStart(now - 365 * DAY_MS));
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCredentials, skippedSummary } from "./fleet";

const dir = mkdtempSync(path.join(os.tmpdir(), "sentinel-fleet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string): string {
  const f = path.join(dir, `${Math.random()}.csv`);
  writeFileSync(f, text);
  return f;
}

describe("readCredentials", () => {
  it("reads vehicleId,secret lines, skipping a header, comments and blank lines", () => {
    const f = file("vehicleId,secret\n# from the admin console\n12,abc-DEF_1\r\n\n 40 , xyz \n");
    expect(readCredentials(f)).toEqual(new Map([[12, "abc-DEF_1"], [40, "xyz"]]));
  });

  it("names the file and line of a malformed entry", () => {
    const f = file("12,abc\nFKC-01,secret\n");
    expect(() => readCredentials(f)).toThrow(`${f}:2: expected "vehicleId,secret", got "FKC-01,secret"`);
  });
});

describe("skippedSummary", () => {
  const v = (id: number) => ({ id, callSign: `V-${id}`, homeStationId: 1 });

  it("says nothing when nothing was skipped", () => {
    expect(skippedSummary([])).toBeNull();
  });

  it("names the first five vehicles of each reason and counts the rest", () => {
    const skipped = [1, 2, 3, 4, 5, 6, 7].map((id) => ({ vehicle: v(id), reason: "unauthenticated" as const }));
    expect(skippedSummary([...skipped, { vehicle: v(8), reason: "disabled" }])).toBe(
      "skipped 7 vehicles (V-1, V-2, V-3, V-4, V-5 and 2 more) created outside the seed or whose secret was rotated: " +
        "to drive them, pass --credentials FILE with lines of vehicleId,secret; skipped 1 vehicle (V-8) disabled since the list was read",
    );
  });
});

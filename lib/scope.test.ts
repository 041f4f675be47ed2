import { describe, expect, it } from "vitest";
import { chainFilter, scopeContains, scopesOf, type Scope, type UnitChain } from "./scope";

const chain: UnitChain = { stationId: 5, divisionId: 2, zoneId: 3, districtId: 1 };
const other: UnitChain = { stationId: 6, divisionId: 7, zoneId: 8, districtId: 9 };

/** What a database filter built by chainFilter keeps of a row with this chain. */
const keeps = (scope: Scope, row: UnitChain) =>
  Object.entries(chainFilter(scope)).every(([column, id]) => row[column as keyof UnitChain] === id);

describe("chainFilter", () => {
  it("keeps in the database exactly the rows the live map's scopeContains shows, at every level", () => {
    for (const scope of scopesOf(chain)) {
      expect(keeps(scope, chain)).toBe(true);
      expect(keeps(scope, other)).toBe(scopeContains(scope, other));
    }
    expect(chainFilter({ level: "zone", id: 3 })).toEqual({ zoneId: 3 });
    expect(chainFilter({ level: "city", id: null })).toEqual({});
  });
});

import { z } from "zod";

/** Scope levels, lowest to highest (docs/ARCHITECTURE.md §6). */
export const SCOPE_LEVELS = ["station", "division", "zone", "district", "city"] as const;

export type ScopeLevel = (typeof SCOPE_LEVELS)[number];

/** A jurisdiction: `city` has no id; every other level names one unit. */
export type Scope = { level: "city"; id: null } | { level: Exclude<ScopeLevel, "city">; id: number };

/** The ancestor chain of a station, as copied onto a patrol at start. */
export interface UnitChain {
  stationId: number;
  divisionId: number;
  zoneId: number;
  districtId: number;
}

export const scopeSchema = z.discriminatedUnion("level", [
  z.object({ level: z.literal("city"), id: z.null() }),
  z.object({ level: z.enum(["station", "division", "zone", "district"]), id: z.number().int().positive() }),
]);

/** Builds a scope from a user's `scopeLevel` + `scopeId` columns; throws if they disagree. */
export function toScope(level: ScopeLevel, id: number | null | undefined): Scope {
  if (level === "city") return { level, id: null };
  if (id == null) throw new Error(`scope level ${level} needs an id`);
  return { level, id };
}

/** The five scopes (station … city) that contain a patrol with this chain, lowest first. */
export function scopesOf(chain: UnitChain): Scope[] {
  return [
    { level: "station", id: chain.stationId },
    { level: "division", id: chain.divisionId },
    { level: "zone", id: chain.zoneId },
    { level: "district", id: chain.districtId },
    { level: "city", id: null },
  ];
}

/** True when `scope` covers a patrol or station with this chain. */
export function scopeContains(scope: Scope, chain: UnitChain): boolean {
  switch (scope.level) {
    case "city":
      return true;
    case "district":
      return chain.districtId === scope.id;
    case "zone":
      return chain.zoneId === scope.id;
    case "division":
      return chain.divisionId === scope.id;
    case "station":
      return chain.stationId === scope.id;
  }
}

/**
 * The ancestor-chain column that limits rows (patrols, positions' patrols) to `scope`, as a query filter:
 * `{}` for city, else e.g. `{zoneId: 3}` — the same rule as `scopeContains`, for the database.
 */
export function chainFilter(scope: Scope): Partial<UnitChain> {
  return scope.level === "city" ? {} : { [`${scope.level}Id`]: scope.id };
}

/** Human-readable form, e.g. `zone:3` or `city`. */
/** True when `a` and `b` name the same unit. */
export function sameScope(a: Scope, b: Scope): boolean {
  return a.level === b.level && a.id === b.id;
}

export function formatScope(scope: Scope): string {
  return scope.level === "city" ? "city" : `${scope.level}:${scope.id}`;
}

import { prisma } from "../db";
import { chainFilter, type Scope } from "../scope";

/** A station as the map shows it. */
export interface StationPin {
  id: number;
  name: string;
  code: string;
  lat: number;
  lon: number;
  /**
   * Its jurisdiction, a GeoJSON Polygon as the admin API stored it, or null; absent unless asked for. The map
   * checks its shape before drawing it (`boundaryRings`), as it would any stored JSON.
   */
  boundary?: unknown;
}

/** What else to read with each station. */
export interface StationsInScopeOptions {
  /** Include each station's `boundary` (default false: a page that draws no jurisdictions does not load them). */
  boundaries?: boolean;
}

/** Stations inside `scope` (every station for `city`), for map pins, jurisdictions and the initial view. */
export function stationsInScope(scope: Scope, options: StationsInScopeOptions = {}): Promise<StationPin[]> {
  // A station row's own id is its station id; its other chain columns are named as on patrols.
  const where = scope.level === "station" ? { id: scope.id } : chainFilter(scope);
  const select = { id: true, name: true, code: true, lat: true, lon: true, boundary: options.boundaries === true };
  return prisma.station.findMany({ where, select, orderBy: { name: "asc" } });
}

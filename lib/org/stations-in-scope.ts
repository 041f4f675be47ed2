import { prisma } from "../db";
import { chainFilter, type Scope } from "../scope";

/** A station as the map shows it. */
export interface StationPin {
  id: number;
  name: string;
  code: string;
  lat: number;
  lon: number;
}

/** Stations inside `scope` (every station for `city`), for map pins and the initial view. */
export function stationsInScope(scope: Scope): Promise<StationPin[]> {
  // A station row's own id is its station id; its other chain columns are named as on patrols.
  const where = scope.level === "station" ? { id: scope.id } : chainFilter(scope);
  return prisma.station.findMany({ where, select: { id: true, name: true, code: true, lat: true, lon: true }, orderBy: { name: "asc" } });
}

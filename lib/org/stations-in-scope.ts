import { prisma } from "../db";
import type { Scope } from "../scope";

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
  const where =
    scope.level === "city"
      ? {}
      : scope.level === "station"
        ? { id: scope.id }
        : { [`${scope.level}Id`]: scope.id };
  return prisma.station.findMany({ where, select: { id: true, name: true, code: true, lat: true, lon: true }, orderBy: { name: "asc" } });
}

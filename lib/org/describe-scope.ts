import { prisma } from "../db";
import type { Scope } from "../scope";

/** A person-readable name for a scope, e.g. "Station Kadavanthra" or "All of the city". */
export async function describeScope(scope: Scope): Promise<string> {
  const name = await unitName(scope);
  if (scope.level === "city") return "All of the city";
  const label = scope.level[0]!.toUpperCase() + scope.level.slice(1);
  if (!name) return `${label} #${scope.id} (no longer exists)`;
  // "Zone 2 (Ernakulam)" already says what it is; "Kadavanthra" needs "Station".
  return name.toLowerCase().startsWith(scope.level) ? name : `${label} ${name}`;
}

async function unitName(scope: Scope): Promise<string | null> {
  const where = { where: { id: scope.id ?? 0 }, select: { name: true } } as const;
  switch (scope.level) {
    case "city":
      return null;
    case "district":
      return (await prisma.district.findUnique(where))?.name ?? null;
    case "zone":
      return (await prisma.zone.findUnique(where))?.name ?? null;
    case "division":
      return (await prisma.division.findUnique(where))?.name ?? null;
    case "station":
      return (await prisma.station.findUnique(where))?.name ?? null;
  }
}

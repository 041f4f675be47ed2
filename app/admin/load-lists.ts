import "server-only";
import { districts } from "@/lib/admin/districts";
import { divisions } from "@/lib/admin/divisions";
import { stations } from "@/lib/admin/stations";
import { users } from "@/lib/admin/users";
import { vehicles } from "@/lib/admin/vehicles";
import { zones } from "@/lib/admin/zones";
import type { AdminLists, ResourceName } from "@/components/admin/admin-types";

// The same list functions the admin API serves, so the first render matches what the client reloads later.
const RESOURCES: { [K in ResourceName]: { list(): Promise<AdminLists[K]> } } = { districts, zones, divisions, stations, vehicles, users };

/** Loads the named lists for a console page's first render (call only after the admin check). */
export async function loadLists<K extends ResourceName>(names: readonly K[]): Promise<Pick<AdminLists, K>> {
  const entries = await Promise.all(names.map(async (name) => [name, await RESOURCES[name].list()] as const));
  const lists = {} as Pick<AdminLists, K>;
  for (const [name, items] of entries) lists[name] = items;
  return lists;
}

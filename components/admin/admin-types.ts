import type { DistrictItem } from "@/lib/admin/districts";
import type { DivisionItem } from "@/lib/admin/divisions";
import type { StationItem } from "@/lib/admin/stations";
import type { UserItem } from "@/lib/admin/users";
import type { VehicleItem } from "@/lib/admin/vehicles";
import type { ZoneItem } from "@/lib/admin/zones";

export type { DistrictItem, DivisionItem, StationItem, UserItem, VehicleItem, ZoneItem };

/** Every list the admin API serves (`GET /api/admin/{resource}` → `{items}`), keyed by resource name. */
export interface AdminLists {
  districts: DistrictItem[];
  zones: ZoneItem[];
  divisions: DivisionItem[];
  stations: StationItem[];
  vehicles: VehicleItem[];
  users: UserItem[];
}

/** A resource of the admin API; also the path segment of its console section (`/admin/stations`). */
export type ResourceName = keyof AdminLists;

/** The console's sections in navigation order: the organisation top-down, then fleet and people. */
export const ADMIN_SECTIONS: readonly { resource: ResourceName; label: string }[] = [
  { resource: "districts", label: "Districts" },
  { resource: "zones", label: "Zones" },
  { resource: "divisions", label: "Divisions" },
  { resource: "stations", label: "Stations" },
  { resource: "vehicles", label: "Vehicles" },
  { resource: "users", label: "Users" },
];

import type { Metadata } from "next";
import { VehiclesClient } from "@/components/admin/vehicles-client";
import { mayRenderAdminPage } from "../access";
import { loadLists } from "../load-lists";

export const metadata: Metadata = { title: "Vehicles" };

// `/admin/vehicles` – list, create, edit and delete vehicles; device secrets are shown once
export default async function AdminVehiclesPage() {
  if (!(await mayRenderAdminPage("/admin/vehicles"))) return null;
  return <VehiclesClient initial={await loadLists(["divisions", "stations", "vehicles"])} />;
}

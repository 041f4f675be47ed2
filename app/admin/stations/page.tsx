import type { Metadata } from "next";
import { StationsClient } from "@/components/admin/stations-client";
import { mayRenderAdminPage } from "../access";
import { loadLists } from "../load-lists";

export const metadata: Metadata = { title: "Stations" };

// `/admin/stations` – list, create, edit, move and delete stations, with a location picker
export default async function AdminStationsPage() {
  if (!(await mayRenderAdminPage("/admin/stations"))) return null;
  return <StationsClient initial={await loadLists(["districts", "zones", "divisions", "stations", "vehicles"])} />;
}

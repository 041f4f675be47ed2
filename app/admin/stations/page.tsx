import type { Metadata } from "next";
import { StationsClient } from "@/components/admin/stations-client";
import { env } from "@/lib/env";
import { mayRenderAdminPage } from "../access";
import { loadLists } from "../load-lists";

export const metadata: Metadata = { title: "Stations" };

// `/admin/stations` – list, create, edit, move and delete stations, with a location picker and a boundary editor
export default async function AdminStationsPage() {
  if (!(await mayRenderAdminPage("/admin/stations"))) return null;
  return (
    <StationsClient initial={await loadLists(["districts", "zones", "divisions", "stations", "vehicles"])} tileUrl={env.NEXT_PUBLIC_TILE_URL} />
  );
}

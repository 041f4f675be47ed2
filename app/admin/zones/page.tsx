import type { Metadata } from "next";
import { ZonesClient } from "@/components/admin/zones-client";
import { mayRenderAdminPage } from "../access";
import { loadLists } from "../load-lists";

export const metadata: Metadata = { title: "Zones" };

// `/admin/zones` – list, create, edit, move and delete zones
export default async function AdminZonesPage() {
  if (!(await mayRenderAdminPage("/admin/zones"))) return null;
  return <ZonesClient initial={await loadLists(["districts", "zones", "divisions"])} />;
}

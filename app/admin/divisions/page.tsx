import type { Metadata } from "next";
import { DivisionsClient } from "@/components/admin/divisions-client";
import { mayRenderAdminPage } from "../access";
import { loadLists } from "../load-lists";

export const metadata: Metadata = { title: "Divisions" };

// `/admin/divisions` – list, create, edit, move and delete divisions
export default async function AdminDivisionsPage() {
  if (!(await mayRenderAdminPage("/admin/divisions"))) return null;
  return <DivisionsClient initial={await loadLists(["districts", "zones", "divisions", "stations"])} />;
}

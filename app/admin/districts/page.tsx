import type { Metadata } from "next";
import { DistrictsClient } from "@/components/admin/districts-client";
import { mayRenderAdminPage } from "../access";
import { loadLists } from "../load-lists";

export const metadata: Metadata = { title: "Districts" };

// `/admin/districts` – list, create, edit and delete districts
export default async function AdminDistrictsPage() {
  if (!(await mayRenderAdminPage("/admin/districts"))) return null;
  return <DistrictsClient initial={await loadLists(["districts", "zones"])} />;
}

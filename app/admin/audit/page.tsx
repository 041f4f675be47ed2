import type { Metadata } from "next";
import { AuditClient } from "@/components/admin/audit-client";
import { signedInUserFor } from "../access";
import { loadLists } from "../load-lists";

export const metadata: Metadata = { title: "Audit" };

// `/admin/audit` – who did what, when and from where: the audit log, newest first, filtered by user, action and time
export default async function AdminAuditPage() {
  const user = await signedInUserFor("/admin/audit");
  if (user.role !== "ADMIN") return null;
  return <AuditClient users={(await loadLists(["users"])).users} />;
}

import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AdminForbidden } from "@/components/admin/admin-forbidden";
import { AdminNavClient } from "@/components/admin/admin-nav-client";
import { AdminTopbar } from "@/components/admin/admin-topbar";
import { describeScope } from "@/lib/org/describe-scope";
import { signedInUserFor } from "./access";
import "./admin.css";

export const metadata: Metadata = { title: { default: "Admin console", template: "%s · Admin · Sentinel" } };

// `/admin/*` – the admin console shell; non-admins get the 403 page instead of any section.
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await signedInUserFor("/admin");
  if (user.role !== "ADMIN") {
    return <AdminForbidden name={user.name} email={user.email} scopeName={await describeScope(user.scope)} />;
  }
  return (
    <>
      <AdminTopbar name={user.name} context="Admin console" />
      <div className="admin-shell">
        <AdminNavClient />
        <main className="admin-main" id="admin-main">
          {children}
        </main>
      </div>
    </>
  );
}

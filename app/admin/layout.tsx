import type { Metadata } from "next";
import type { ReactNode } from "react";
import { forbidden } from "next/navigation";
import { AdminNavClient } from "@/components/admin/admin-nav-client";
import { AdminTopbar } from "@/components/admin/admin-topbar";
import { signedInUserFor } from "./access";
import "./admin.css";

export const metadata: Metadata = { title: { default: "Admin console", template: "%s · Admin · Sentinel" } };

// `/admin/*` – the admin console shell; non-admins get a 403 (app/forbidden.tsx) instead of any section.
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await signedInUserFor("/admin");
  if (user.role !== "ADMIN") forbidden();
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

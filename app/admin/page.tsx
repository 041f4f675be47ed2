import type { Metadata } from "next";
import Link from "next/link";
import { ADMIN_SECTIONS } from "@/components/admin/admin-types";
import { mayRenderAdminPage } from "./access";
import { loadLists } from "./load-lists";

export const metadata: Metadata = { title: "Overview" };

const SECTION_BLURBS: Record<(typeof ADMIN_SECTIONS)[number]["resource"], string> = {
  districts: "Top level of the organisation.",
  zones: "Groups of divisions in a district.",
  divisions: "Sub-divisions grouping stations.",
  stations: "Police stations and their locations.",
  vehicles: "Patrol vehicles and device secrets.",
  users: "Commanders, administrators and their scopes.",
};

// `/admin` – the admin console's overview: how much of each there is, and where to manage it
export default async function AdminOverviewPage() {
  if (!(await mayRenderAdminPage("/admin"))) return null;
  const lists = await loadLists(ADMIN_SECTIONS.map((s) => s.resource));
  return (
    <section aria-labelledby="overview-title">
      <div className="section-head">
        <div>
          <h1 id="overview-title" tabIndex={-1} data-focus-fallback>
            Admin console
          </h1>
          <p className="muted">Manage the organisation (district → zone → division → station), the patrol fleet and who may sign in.</p>
        </div>
      </div>
      <ul className="overview-grid">
        {ADMIN_SECTIONS.map((section) => (
          <li key={section.resource}>
            <Link href={`/admin/${section.resource}`} className="overview-card">
              <span className="overview-count">{lists[section.resource].length}</span>
              <span className="overview-label">{section.label}</span>
              <span className="muted">{SECTION_BLURBS[section.resource]}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

"use client";

import Link from "next/link";
import { useSelectedLayoutSegment } from "next/navigation";
import { ADMIN_SECTIONS } from "./admin-types";

/** The console's section links; the current one is marked for assistive technology and by style. */
export function AdminNavClient() {
  const segment = useSelectedLayoutSegment();
  const links = [{ href: "/admin", label: "Overview", current: segment === null }].concat(
    ADMIN_SECTIONS.map((s) => ({ href: `/admin/${s.resource}`, label: s.label, current: segment === s.resource })),
    [{ href: "/admin/audit", label: "Audit", current: segment === "audit" }],
  );
  return (
    <nav className="admin-nav" aria-label="Admin sections">
      <ul>
        {links.map((link) => (
          <li key={link.href}>
            <Link href={link.href} aria-current={link.current ? "page" : undefined}>
              {link.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

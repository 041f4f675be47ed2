import Link from "next/link";
import { AdminTopbar } from "./admin-topbar";

/**
 * What a signed-in non-administrator sees at /admin (rendered by
 * app/forbidden.tsx, with HTTP status 403).
 */
export function AdminForbidden({ name, email, scopeName }: { name: string; email: string; scopeName: string }) {
  return (
    <>
      <AdminTopbar name={name} context="Admin console" />
      <main className="admin-forbidden">
        <div className="card">
          <h1>403 — administrators only</h1>
          <p>You need an administrator account to open the admin console.</p>
          <p className="muted">
            You are signed in as {email}, a commander for {scopeName}.
          </p>
          <p>
            <Link href="/map" className="button-link primary">
              Go to your live map
            </Link>
          </p>
        </div>
      </main>
    </>
  );
}

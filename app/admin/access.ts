import "server-only";
import { redirect } from "next/navigation";
import type { SessionUser } from "@/lib/auth/options";
import { authenticate, loginPath } from "@/lib/auth/session";

/**
 * The signed-in user of an /admin page at `path`; anonymous visitors go to
 * the login page, which returns to `path` (and says why a refused session was refused). Callers check the role: the admin
 * layout shows the 403 page, and pages render nothing, for non-admins.
 */
export async function signedInUserFor(path: string): Promise<SessionUser> {
  const auth = await authenticate();
  if (!auth.user) redirect(loginPath(path, auth));
  return auth.user;
}

/** True when the page at `path` may render: the user is an admin (anonymous → login). */
export async function mayRenderAdminPage(path: string): Promise<boolean> {
  return (await signedInUserFor(path)).role === "ADMIN";
}

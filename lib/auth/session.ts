import { getServerSession } from "next-auth";
import { AppError } from "../errors";
import { authOptions, type SessionUser } from "./options";

/** The signed-in user, or null. Server-side only (route handlers and server components). */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  const user = session?.user as Partial<SessionUser> | undefined;
  if (!user || typeof user.id !== "number" || !user.role || !user.scope) return null;
  return user as SessionUser;
}

/** The signed-in user; 401 UNAUTHENTICATED when there is none. */
export async function requireUser(): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first (POST /api/auth/callback/credentials or the /login page).");
  return user;
}

/** The signed-in admin; 401 when anonymous, 403 for anyone else. */
export async function requireAdmin(): Promise<SessionUser> {
  const user = await requireUser();
  if (user.role !== "ADMIN") throw new AppError("FORBIDDEN", "Only administrators may do this.");
  return user;
}

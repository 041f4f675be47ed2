import { getServerSession } from "next-auth";
import { prisma } from "../db";
import { AppError } from "../errors";
import { log } from "../log";
import { redis, redisPrefix } from "../redis/client";
import { accessOfRow, readUserAccess, writeUserAccess, type AccessRecord } from "./access-state";
import { authOptions, type SessionUser } from "./options";

/** The signed-in user, or why their session was refused (null: nobody signed in). */
export type Authentication = { user: SessionUser; refused: null } | { user: null; refused: string | null };

/** The `error` the login page shows a refused session (see app/login/page.tsx). */
export const SESSION_REVOKED = "SessionRevoked";

const REFUSALS = {
  changed: "An administrator changed your access; sign in again.",
  disabled: "Your account was disabled; ask an administrator.",
  deleted: "Your account no longer exists; ask an administrator.",
} as const;

/**
 * The signed-in user, checked against their access as it is now: a session
 * issued before their role, scope or `disabled` changed (their session
 * version moved on), or of a deleted user, is refused. One HMGET of the
 * access hash (lib/auth/access-state.ts), no SQL — except when the hash is
 * missing or being rewritten, or Redis is down: then PostgreSQL decides.
 */
export async function authenticate(): Promise<Authentication> {
  const session = await getServerSession(authOptions);
  const user = session?.user as Partial<SessionUser> | undefined;
  if (!user || typeof user.id !== "number" || !user.role || !user.scope) return { user: null, refused: null };
  const record = await accessOf(user.id);
  if (record.state === "revoked") return { user: null, refused: REFUSALS[record.reason] };
  if (record.state !== "active" || record.access.version !== user.sessionVersion) return { user: null, refused: REFUSALS.changed };
  return { user: { ...(user as SessionUser), role: record.access.role, scope: record.access.scope }, refused: null };
}

/** The signed-in user, or null (nobody, or a refused session). Server-side only (route handlers and server components). */
export async function currentUser(): Promise<SessionUser | null> {
  return (await authenticate()).user;
}

/** The signed-in user; 401 UNAUTHENTICATED when there is none or their session was refused (saying why). */
export async function requireUser(): Promise<SessionUser> {
  const { user, refused } = await authenticate();
  if (!user) throw new AppError("UNAUTHENTICATED", refused ?? "Sign in first (POST /api/auth/callback/credentials or the /login page).");
  return user;
}

/** The signed-in admin; 401 when anonymous or refused, 403 for anyone else. */
export async function requireAdmin(): Promise<SessionUser> {
  const user = await requireUser();
  if (user.role !== "ADMIN") throw new AppError("FORBIDDEN", "Only administrators may do this.");
  return user;
}

/** Where a page sends a visitor without a usable session: the login page, back to `callbackUrl`, saying why if refused. */
export function loginPath(callbackUrl: string, auth: Authentication): string {
  const query = new URLSearchParams({ callbackUrl });
  if (auth.refused) query.set("error", SESSION_REVOKED);
  return `/login?${query}`;
}

/** The access hash, or PostgreSQL's answer (written back to Redis) when the hash cannot say. */
async function accessOf(userId: number): Promise<AccessRecord> {
  let record: AccessRecord | null = null;
  try {
    record = await readUserAccess(redis(), redisPrefix, userId);
    if (record.state === "active" || record.state === "revoked") return record;
  } catch (err) {
    log.warn({ err: String(err), userId }, "access hash unreadable; checking the session against PostgreSQL");
  }
  const row = await prisma.user.findUnique({
    where: { id: userId },
    select: { id: true, sessionVersion: true, disabled: true, role: true, scopeLevel: true, scopeId: true },
  });
  if (!row) return { state: "revoked", reason: "deleted", version: 0 };
  if (record) await writeUserAccess(redis(), redisPrefix, row, false).catch(() => undefined);
  return accessOfRow(row);
}

import "server-only";
import type { SessionUser } from "../auth/options";
import { Prisma, prisma } from "../db";
import { env } from "../env";
import { clientAddress, peerAddressesRecorded } from "../http/client-address";
import { log } from "../log";
import type { AuditAction } from "./actions";

export { AUDIT_ACTIONS, type AuditAction } from "./actions";

/** Who acted and from where; `userId`/`email` are null for a device or an unknown login. */
export interface AuditActor {
  userId: number | null;
  email: string | null;
  /** Client address (see lib/http/client-address.ts); null when unknown. */
  ip: string | null;
}

/** One row to record. */
export interface AuditEntry {
  action: AuditAction;
  actor: AuditActor;
  /** What was acted on, as `<noun>:<id>` (`user:12`, `patrol:101`); null when nothing in particular. */
  target?: string | null;
  /** Facts of this action (changed fields, a failure's reason). Never secrets: it is shown to every admin. */
  detail?: Record<string, unknown> | null;
}

/** Longest text kept of any one string in `detail`: 500 characters, so no input can make the row fail. */
const MAX_DETAIL_TEXT = 500;

/**
 * Appends one audit row. Awaited by the action it records, after the action
 * succeeded (or was refused, for a failure worth recording): an INSERT of one
 * small row costs about a millisecond. When PostgreSQL is down this throws like
 * any query and the route answers 503, which the action (which needs
 * PostgreSQL itself) would have answered anyway. Pass `db` to write inside the
 * action's own transaction.
 */
export async function recordAudit(entry: AuditEntry, db: Prisma.TransactionClient = prisma): Promise<void> {
  const { action, actor } = entry;
  await db.auditEvent.create({
    data: {
      action,
      userId: actor.userId,
      email: actor.email,
      ip: actor.ip,
      target: entry.target ?? null,
      detail: entry.detail ? (bounded(entry.detail) as Prisma.InputJsonObject) : Prisma.DbNull,
    },
  });
  log.debug({ action, userId: actor.userId, target: entry.target }, "audited");
}

/** The actor of a request made with `user`'s session. */
export function userActor(user: Pick<SessionUser, "id" | "email">, req: Request): AuditActor {
  return { userId: user.id, email: user.email, ip: requestAddress(req.headers) };
}

/** The client address of a request, or null when this process does not record peer addresses. */
export function requestAddress(headers: Headers | Record<string, unknown> | undefined): string | null {
  return peerAddressesRecorded() ? clientAddress(headers, env.TRUSTED_PROXY_HOPS) : null;
}

function bounded(value: unknown): unknown {
  if (typeof value === "string") return value.length > MAX_DETAIL_TEXT ? `${value.slice(0, MAX_DETAIL_TEXT)}…` : value;
  if (Array.isArray(value)) return value.slice(0, 50).map(bounded);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).slice(0, 50).map(([k, v]) => [k, bounded(v)]));
  return value ?? null;
}

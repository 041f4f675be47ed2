import "server-only";
import { z } from "zod";
import { Prisma, prisma } from "../db";
import { parseWith } from "../http/handler";
import { MAX_ROW_ID } from "../row-id";
import { AUDIT_ACTIONS } from "./actions";

/** Rows per page when `limit` is not given: 100 (at most 500). */
export const DEFAULT_AUDIT_PAGE = 100;

const epochMs = z.coerce.number().int().min(0).max(8_640_000_000_000_000);

/** Query of `GET /api/admin/audit`: a time window (epoch ms, inclusive), optional user and action, and paging. */
export const auditQuerySchema = z
  .strictObject({
    from: epochMs.optional(),
    to: epochMs.optional(),
    userId: z.coerce.number().int().positive().max(MAX_ROW_ID).optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(DEFAULT_AUDIT_PAGE),
    /** Cursor: the `next` of the previous page (rows older than it). */
    before: z.string().regex(/^\d{1,19}$/, "must be the `next` value of a previous page").optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: "from must not be after to", path: ["from"] });

/** One audit row as the API shows it (`at` in epoch ms). */
export interface AuditItem {
  id: string;
  at: number;
  userId: number | null;
  email: string | null;
  action: string;
  target: string | null;
  detail: unknown;
  ip: string | null;
}

/** A page of audit rows, newest first; `next` fetches the older ones (null on the last page). */
export interface AuditPage {
  items: AuditItem[];
  next: string | null;
}

/** Parses `GET /api/admin/audit`'s search parameters; 400 naming each bad one. */
export function parseAuditQuery(params: URLSearchParams): z.infer<typeof auditQuerySchema> {
  return parseWith(auditQuerySchema, Object.fromEntries(params));
}

/**
 * Audit rows matching the query, newest first (by insertion order), at most
 * `limit`; the cursor is the last row's id, so paging is stable while new rows arrive.
 */
export async function listAudit(query: z.infer<typeof auditQuerySchema>): Promise<AuditPage> {
  const where: Prisma.AuditEventWhereInput = {
    ...(query.userId !== undefined && { userId: query.userId }),
    ...(query.action !== undefined && { action: query.action }),
    ...(query.before !== undefined && { id: { lt: BigInt(query.before) } }),
    ...((query.from !== undefined || query.to !== undefined) && {
      at: {
        ...(query.from !== undefined && { gte: new Date(query.from) }),
        ...(query.to !== undefined && { lte: new Date(query.to) }),
      },
    }),
  };
  const rows = await prisma.auditEvent.findMany({ where, orderBy: { id: "desc" }, take: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((row) => ({
      id: String(row.id),
      at: row.at.getTime(),
      userId: row.userId,
      email: row.email,
      action: row.action,
      target: row.target,
      detail: row.detail,
      ip: row.ip,
    })),
    next: rows.length > query.limit ? String(page.at(-1)!.id) : null,
  };
}

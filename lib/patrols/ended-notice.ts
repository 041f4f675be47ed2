import { AppError } from "../errors";

/** Who ended a patrol from a dashboard, when (epoch ms) and why: kept in `patrol:{id}:ended` for the crew's device. */
export interface EndedNotice {
  by: string;
  at: number;
  reason: string | null;
}

/** How long a patrol's "ended by" notice is kept after the stop: a day (a device back from a dead zone still hears why). */
export const ENDED_NOTICE_TTL_S = 86_400;

/** The columns of a patrol row that say who ended it, when and why (a Prisma `select`). */
export const ENDED_SELECT = { endedAt: true, endReason: true, endedByUser: { select: { name: true, email: true } } } as const;

/** The notice of an ENDED row a user stopped; null when its device stopped it (or it is active). */
export function endedNoticeOf(row: { endedAt: Date | null; endReason: string | null; endedByUser: { name: string; email: string } | null }): EndedNotice | null {
  if (!row.endedByUser || !row.endedAt) return null;
  return { by: row.endedByUser.name || row.endedByUser.email, at: row.endedAt.getTime(), reason: row.endReason };
}

/** Parses `patrol:{id}:ended`; null when absent or unreadable. */
export function parseEndedNotice(raw: string | null | undefined): EndedNotice | null {
  if (!raw) return null;
  try {
    const n = JSON.parse(raw) as Partial<EndedNotice>;
    if (typeof n.by !== "string" || typeof n.at !== "number") return null;
    return { by: n.by, at: n.at, reason: typeof n.reason === "string" ? n.reason : null };
  } catch {
    return null;
  }
}

/**
 * The 409 a device gets for a patrol a commander (or admin) ended: who, when and why, in words and as fields
 * (`endedBy`, `endedAt`, `reason`), so the crew learns it was not a fault of theirs. Without the notice (expired) the
 * plain "not active" answer.
 */
export function endedByUser(patrolId: number, notice: EndedNotice | null): AppError {
  if (!notice) return new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} is not active; start a patrol (POST /api/patrols/start) first.`);
  const when = new Date(notice.at).toISOString();
  return new AppError(
    "PATROL_ENDED_BY_COMMANDER",
    `Patrol ${patrolId} was ended by ${notice.by} at ${when}${notice.reason ? ` (reason: ${notice.reason})` : ""}. ` +
      "Start a new patrol (POST /api/patrols/start) if the shift goes on.",
    { endedBy: notice.by, endedAt: notice.at, reason: notice.reason },
  );
}

import { z } from "zod";
import type { SessionUser } from "../auth/options";
import { prisma } from "../db";
import { checkWindow } from "../history/read-track";
import { parseWith } from "../http/handler";
import { epochMsParam } from "../http/query-params";
import { ALERT_STATES, type AlertView } from "../realtime/protocol";
import { chainFilter } from "../scope";
import { ALERT_SELECT, toAlertView } from "./alert-view";

/** Most alerts one request returns, newest first: 1,000. */
export const MAX_ALERT_ITEMS = 1_000;
/** Longest window one request may cover: 31 days. */
const MAX_WINDOW_MS = 31 * 86_400_000;
/** Default window when `from` is left out (and not asking only for unresolved ones): the 24 hours before `to`. */
const DEFAULT_WINDOW_MS = 86_400_000;

const alertParams = z.object({
  state: z.enum(ALERT_STATES, { error: `must be one of ${ALERT_STATES.join(", ")}` }).optional(),
  from: epochMsParam.optional(),
  to: epochMsParam.optional(),
});

/** A search of alerts: one state or all, raised within `from`…`to` (epoch ms, inclusive). */
export type AlertQuery = z.infer<typeof alertParams>;

/** Reads `state`, `from` and `to` of `GET /api/alerts`; 400 naming each bad one. */
export function alertQueryOf(params: URLSearchParams): AlertQuery {
  return parseWith(alertParams, Object.fromEntries(params));
}

/**
 * Alerts inside `user`'s jurisdiction (the live map's rule), newest first, at most `MAX_ALERT_ITEMS`. Without
 * `from`: every OPEN or ACKNOWLEDGED one when asking for that state (an open alert stays relevant however
 * old), otherwise those of the 24 hours before `to` (default now). 400 for an inverted or over-31-day window.
 */
export async function listAlerts(user: SessionUser, query: AlertQuery, now = Date.now()): Promise<AlertView[]> {
  const to = query.to ?? now;
  const unresolvedOnly = query.state === "OPEN" || query.state === "ACKNOWLEDGED";
  const from = query.from ?? (unresolvedOnly ? 0 : to - DEFAULT_WINDOW_MS);
  if (query.from !== undefined || !unresolvedOnly) checkWindow(from, to, MAX_WINDOW_MS);
  const rows = await prisma.alert.findMany({
    where: { ...chainFilter(user.scope), ...(query.state ? { state: query.state } : {}), at: { gte: new Date(from), lte: new Date(to) } },
    select: ALERT_SELECT,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: MAX_ALERT_ITEMS,
  });
  return rows.map(toAlertView);
}

import type { RedisClient } from "../redis/client";
import type { VerifiedTicket } from "../auth/tokens";
import { statePlaneReadyKey, ticketUsedKey } from "../redis/keys";

/** How long a ticket's used-mark outlives the ticket itself: 5 s, covering the time between verifying and marking it. */
export const TICKET_USED_MARGIN_MS = 5_000;

/** What marking a ticket used found: its first use, a reuse, or a ticket older than Redis's last rebuild. */
export type TicketUse = "first" | "reused" | "predates-rebuild";

/**
 * Marks a verified ticket used, atomically (`SET NX PX`), so it opens one
 * socket only, across every realtime worker. The mark expires shortly after
 * the ticket does (TICKET_USED_MARGIN_MS), when the signature check refuses
 * it anyway. Used-marks do not survive a Redis that restarted empty, so a
 * ticket issued before the state plane was last rebuilt (`state_plane:ready`
 * holds when) is refused too: fail closed — the browser asks for a new one.
 * Rejects when Redis cannot be reached: the caller refuses (fail closed).
 */
export async function consumeTicket(redis: RedisClient, prefix: string, ticket: VerifiedTicket, now = Date.now()): Promise<TicketUse> {
  const ttlMs = Math.max(ticket.expiresAtMs - now, 0) + TICKET_USED_MARGIN_MS;
  // Two keys of different hash slots: two commands, sent together.
  const [set, rebuiltAt] = await Promise.all([
    redis.set(ticketUsedKey(prefix, ticket.jti), "1", "PX", ttlMs, "NX"),
    redis.get(statePlaneReadyKey(prefix)),
  ]);
  if (rebuiltAt !== null && ticket.issuedAtMs < Number(rebuiltAt)) return "predates-rebuild";
  return set === "OK" ? "first" : "reused";
}

import type { Redis } from "ioredis";
import type { VerifiedTicket } from "../auth/tokens";
import { ticketUsedKey } from "../redis/keys";

/** How long a ticket's used-mark outlives the ticket itself: 5 s, covering the time between verifying and marking it. */
export const TICKET_USED_MARGIN_MS = 5_000;

/**
 * Marks a verified ticket used, atomically (`SET NX PX`), so it opens one
 * socket only, across every realtime worker. Returns true the first time,
 * false if it was already used. The mark expires shortly after the ticket
 * does (TICKET_USED_MARGIN_MS), when the signature check refuses it anyway.
 * Rejects when Redis cannot be reached: the caller refuses (fail closed).
 */
export async function consumeTicket(redis: Redis, prefix: string, ticket: VerifiedTicket, now = Date.now()): Promise<boolean> {
  const ttlMs = Math.max(ticket.expiresAtMs - now, 0) + TICKET_USED_MARGIN_MS;
  const set = await redis.set(ticketUsedKey(prefix, ticket.jti), "1", "PX", ttlMs, "NX");
  return set === "OK";
}

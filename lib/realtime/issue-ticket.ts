import type { SessionUser } from "../auth/options";
import { signRealtimeTicket } from "../auth/tokens";
import { realtimePublicUrl } from "../env";
import { placementOfScope } from "../org/placement-of-scope";

/** What `GET /api/realtime/ticket` returns: the ticket, the socket URL to open with it, and when it expires (epoch ms). */
export interface IssuedTicket {
  ticket: string;
  url: string;
  expiresAt: number;
}

/**
 * Issues a 60-second realtime ticket naming the signed-in user, their role
 * and their scope: the sidecar trusts it instead of querying the database
 * for every socket. It also carries the district and zone of the scope, so
 * the sidecar can place the socket with the others of its zone. The browser
 * opens `{url}?ticket={ticket}`.
 */
export async function issueRealtimeTicket(user: SessionUser): Promise<IssuedTicket> {
  const placement = await placementOfScope(user.scope);
  const { ticket, expiresAt } = await signRealtimeTicket({ userId: user.id, role: user.role, scope: user.scope, sessionVersion: user.sessionVersion, placement });
  return { ticket, url: realtimePublicUrl, expiresAt };
}

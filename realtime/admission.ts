import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocket, type WebSocketServer } from "ws";
import type { VerifiedTicket } from "../lib/auth/tokens";
import type { TicketUse } from "../lib/realtime/consume-ticket";
import { RealtimeError, refusal } from "./errors";
import { metrics } from "./metrics";
import { authenticateTicket, checkUpgradeRequest, refuseUpgrade } from "./upgrade-auth";

/** How long a connecting client waits for Redis to come back before it is refused: 3 s. */
export const REDIS_WAIT_MS = 3_000;

/** What admission needs from its worker. */
export interface AdmissionDeps {
  wss: WebSocketServer;
  /** REALTIME_ALLOWED_ORIGINS. */
  allowedOrigins: ReadonlySet<string>;
  /** REALTIME_MAX_CONNECTIONS_PER_USER (default 20). */
  maxConnectionsPerUser: number;
  /** Open connections of a user on this worker. */
  connectionsOf(userId: number): number;
  /** The worker's Redis: a client is admitted only once it can be served. */
  redis: { readonly ready: boolean; whenReady(timeoutMs: number): Promise<void> };
  /** Marks a ticket used (lib/realtime/consume-ticket.ts); rejects when Redis fails. */
  consumeTicket(ticket: VerifiedTicket): Promise<TicketUse>;
  shuttingDown(): boolean;
  /** Takes an admitted socket; called synchronously after the handshake, so the per-user count is exact. */
  onAdmitted(ws: WebSocket, socket: Duplex, claims: VerifiedTicket): void;
  log: Logger;
}

/**
 * Ends a connection for `err`: counts and logs it, then answers its HTTP
 * status (before the handshake) or closes the WebSocket with its close code
 * and message (after). Every refusal of the sidecar goes through here.
 */
export function refuse(target: Duplex | WebSocket, err: RealtimeError, log: Logger, context: Record<string, unknown> = {}): void {
  metrics.refusals.inc({ code: err.code });
  log.info({ code: err.code, ...context }, target instanceof WebSocket ? "connection closed" : "upgrade refused");
  if (target instanceof WebSocket) target.close(err.closeCode, err.message);
  else refuseUpgrade(target, err);
}

/**
 * The worker's `upgrade` listener: path and origin (refused over HTTP), then
 * the ticket, Redis readiness, the ticket's single use and the per-user limit (refused after the
 * handshake with a close code, which a browser can read while it cannot read
 * an HTTP status). An admitted socket goes to `onAdmitted`.
 */
export function admission(deps: AdmissionDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { log } = deps;

  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let url: URL;
    try {
      if (deps.shuttingDown()) throw refusal("SHUTTING_DOWN");
      url = checkUpgradeRequest(req, deps.allowedOrigins);
    } catch (err) {
      if (!(err instanceof RealtimeError)) throw err;
      return refuse(socket, err, log, { origin: req.headers.origin, path: req.url?.split("?")[0] });
    }
    const verdict = await authorize(url).catch((err: unknown) => {
      if (err instanceof RealtimeError) return err;
      throw err;
    });
    if (socket.destroyed) return;
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      if (verdict instanceof RealtimeError) return refuse(ws, verdict, log);
      // Counted here, synchronously with onAdmitted, so concurrent upgrades cannot both slip under the limit.
      if (deps.connectionsOf(verdict.userId) >= deps.maxConnectionsPerUser) {
        return refuse(ws, refusal("TOO_MANY_CONNECTIONS", deps.maxConnectionsPerUser), log, { userId: verdict.userId });
      }
      deps.onAdmitted(ws, socket, verdict);
    });
  }

  /** The ticket's claims once this worker can serve them; throws the RealtimeError to close the socket with. */
  async function authorize(url: URL): Promise<VerifiedTicket> {
    const claims = await authenticateTicket(url);
    if (!deps.redis.ready) {
      // Starting up, or a Redis blip: wait briefly rather than bounce the browser.
      await deps.redis.whenReady(REDIS_WAIT_MS).catch(() => {
        throw refusal("UNAVAILABLE");
      });
    }
    if (deps.shuttingDown()) throw refusal("SHUTTING_DOWN");
    // Consumed only once the worker can serve it; if Redis cannot say whether it was used, refuse (fail closed).
    const use = await deps.consumeTicket(claims).catch(() => {
      throw refusal("UNAVAILABLE");
    });
    if (use === "reused") throw refusal("TICKET_USED");
    if (use === "predates-rebuild") throw refusal("TICKET_PREDATES_RESTART");
    return claims;
  }

  // One listener for every socket, rather than a closure kept by each.
  const onSocketError = (err: Error) => log.debug({ err: err.message }, "socket error");
  return (req, socket, head) => {
    socket.on("error", onSocketError);
    admit(req, socket, head).catch((err: unknown) => {
      log.error({ err }, "upgrade failed");
      socket.destroy();
    });
  };
}

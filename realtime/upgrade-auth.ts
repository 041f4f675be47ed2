import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { verifyRealtimeTicket, type VerifiedTicket } from "../lib/auth/tokens";
import { AppError } from "../lib/errors";
import { refusal, type RealtimeError } from "./errors";

/** The only path that upgrades to a WebSocket. */
export const LIVE_PATH = "/live";

/**
 * Checks an upgrade request before any work is done for it: the path must be
 * `/live` and a browser's `Origin` must be allowed. A request without
 * `Origin` is not from a browser; its ticket alone authenticates it.
 * Returns the request URL; throws RealtimeError NOT_FOUND or ORIGIN_NOT_ALLOWED.
 */
export function checkUpgradeRequest(req: IncomingMessage, allowedOrigins: ReadonlySet<string>): URL {
  const url = new URL(req.url ?? "/", "http://realtime.invalid");
  if (url.pathname !== LIVE_PATH) throw refusal("NOT_FOUND");
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins.has(origin)) throw refusal("ORIGIN_NOT_ALLOWED", origin);
  return url;
}

/** Verifies the `ticket` query parameter; throws RealtimeError INVALID_TICKET when missing, forged, expired or malformed. */
export async function authenticateTicket(url: URL): Promise<VerifiedTicket> {
  const ticket = url.searchParams.get("ticket") ?? "";
  try {
    return await verifyRealtimeTicket(ticket);
  } catch (err) {
    if (err instanceof AppError && err.code === "INVALID_TOKEN") throw refusal("INVALID_TICKET", err.message);
    throw err;
  }
}

/** Answers an upgrade request with an HTTP error (no WebSocket) and closes the socket. */
export function refuseUpgrade(socket: Duplex, err: RealtimeError): void {
  const status = err.httpStatus;
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n` +
      "Connection: close\r\n" +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

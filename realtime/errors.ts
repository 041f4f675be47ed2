/**
 * The closed list of reasons the sidecar refuses or ends a connection.
 * Before the WebSocket handshake a refusal is an HTTP status; after it, a
 * close code. Browsers get the code and a message a person can act on
 * (a close reason is at most 123 bytes); internals go to the log.
 */
export const REFUSAL = {
  /** Upgrade request for a path other than /live. */
  NOT_FOUND: { http: 404 },
  /** `Origin` header not in REALTIME_ALLOWED_ORIGINS. */
  ORIGIN_NOT_ALLOWED: { http: 403 },
  /** The worker is shutting down and accepts no new sockets. */
  SHUTTING_DOWN: { http: 503, close: 1001 },
  /** Missing, forged, expired or malformed ticket. */
  INVALID_TICKET: { close: 4401 },
  /** The user already holds REALTIME_MAX_CONNECTIONS_PER_USER sockets on this worker. */
  TOO_MANY_CONNECTIONS: { close: 4429 },
  /** Redis could not be read or subscribed to; reconnect in a moment. */
  UNAVAILABLE: { close: 1013 },
  /** The client sent a message: the feed is receive-only (1003, unsupported data). */
  CLIENT_MESSAGE: { close: 1003 },
} as const satisfies Record<string, { http?: number; close?: number }>;

export type RefusalCode = keyof typeof REFUSAL;

type Refusal = { http?: number; close?: number };

/** A refusal the client can act on: a stable code, an HTTP status or close code, and a message. */
export class RealtimeError extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = "RealtimeError";
  }

  /** HTTP status for refusing the upgrade itself (500 when this refusal has none). */
  get httpStatus(): number {
    const refusal: Refusal = REFUSAL[this.code];
    return refusal.http ?? 500;
  }

  /** WebSocket close code for ending an upgraded connection (1011 when this refusal has none). */
  get closeCode(): number {
    const refusal: Refusal = REFUSAL[this.code];
    return refusal.close ?? 1011;
  }
}

import { CLOSE_CODE } from "../lib/realtime/close-codes";

/**
 * The closed list of reasons the sidecar refuses or ends a connection, with
 * the message a person gets. Before the WebSocket handshake a refusal is an
 * HTTP status; after it, a close code (lib/realtime/close-codes.ts). A close
 * reason is at most 123 bytes; internals go to the log.
 */
export const REFUSAL = {
  /** Upgrade request for a path other than /live. */
  NOT_FOUND: { http: 404, message: () => "Connect to /live?ticket=… (from GET /api/realtime/ticket)." },
  /** `Origin` header not in REALTIME_ALLOWED_ORIGINS. */
  ORIGIN_NOT_ALLOWED: {
    http: 403,
    message: (origin: string) => `Origin ${origin.slice(0, 100)} may not open live connections (REALTIME_ALLOWED_ORIGINS).`,
  },
  /** The worker is shutting down and accepts no new sockets; open ones are closed. */
  SHUTTING_DOWN: { http: 503, close: CLOSE_CODE.GOING_AWAY, message: () => "The live server is restarting; reconnect in a moment." },
  /** Missing, forged, expired or malformed ticket; the message says which. */
  INVALID_TICKET: { close: CLOSE_CODE.UNAUTHORIZED, message: (problem: string) => problem },
  /** A genuine ticket that already opened a socket: each opens one only. */
  TICKET_USED: {
    close: CLOSE_CODE.UNAUTHORIZED,
    message: () => "This realtime ticket was already used; request a new one from GET /api/realtime/ticket for each connection.",
  },
  /** An admin disabled or deleted the user while their socket was open. */
  ACCESS_REVOKED: {
    close: CLOSE_CODE.UNAUTHORIZED,
    message: (reason: "disabled" | "deleted") =>
      reason === "disabled" ? "Your account was disabled; ask an administrator." : "Your account no longer exists; ask an administrator.",
  },
  /** A ticket issued before Redis restarted empty: whether it was used is lost, so it is refused; a new one works. */
  TICKET_PREDATES_RESTART: {
    close: CLOSE_CODE.TRY_AGAIN_LATER,
    message: () => "The live server's store restarted after this ticket was issued; reconnect with a new ticket.",
  },
  /** The user already holds REALTIME_MAX_CONNECTIONS_PER_USER sockets on this worker. */
  TOO_MANY_CONNECTIONS: {
    close: CLOSE_CODE.TOO_MANY_CONNECTIONS,
    message: (limit: number) => `You already have ${limit} live connections open; close some tabs and reconnect.`,
  },
  /** Redis could not be read or subscribed to; reconnect in a moment. */
  UNAVAILABLE: { http: 503, close: CLOSE_CODE.TRY_AGAIN_LATER, message: () => "The live feed is unavailable right now; reconnect in a few seconds." },
  /** A request head larger than 16 KiB (refused by the primary before placement). */
  HEADERS_TOO_LARGE: { http: 431, message: () => "The request's headers are too large." },
  /** The client sent a message: the feed is receive-only. */
  CLIENT_MESSAGE: { close: CLOSE_CODE.UNSUPPORTED_DATA, message: () => "This feed is receive-only; clients send nothing." },
} as const satisfies Record<string, { http?: number; close?: number; message: (...args: never[]) => string }>;

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
    return refusal.close ?? CLOSE_CODE.INTERNAL_ERROR;
  }
}

/** The RealtimeError for `code`, its message built from the list above (e.g. `refusal("TOO_MANY_CONNECTIONS", 20)`). */
export function refusal<C extends RefusalCode>(code: C, ...args: Parameters<(typeof REFUSAL)[C]["message"]>): RealtimeError {
  const message = REFUSAL[code].message as (...values: typeof args) => string;
  return new RealtimeError(code, message(...args));
}

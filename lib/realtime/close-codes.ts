/**
 * WebSocket close codes of the live feed (`/live`), shared by the sidecar
 * and the browser. 1000–1015 are the standard ones; 4000–4999 are Sentinel's,
 * 4xxx echoing the HTTP status that means the same.
 */
export const CLOSE_CODE = {
  /** The server is going away (shutdown, restart): reconnect. */
  GOING_AWAY: 1001,
  /** The client sent data the feed does not accept (it is receive-only). */
  UNSUPPORTED_DATA: 1003,
  /** An unexpected server condition. */
  INTERNAL_ERROR: 1011,
  /** The server cannot serve right now (Redis unavailable): reconnect later. */
  TRY_AGAIN_LATER: 1013,
  /** The ticket is missing, forged, expired or malformed: the browser must sign in again. */
  UNAUTHORIZED: 4401,
  /** The user holds too many live connections. */
  TOO_MANY_CONNECTIONS: 4429,
} as const;

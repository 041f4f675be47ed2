/**
 * The closed list of error codes the web tier returns, with their HTTP status.
 * Clients get `{error: {code, message}}`; internals go to the log only.
 */
export const ERROR_STATUS = {
  INVALID_JSON: 400,
  INVALID_URL: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  FORBIDDEN: 403,
  VEHICLE_DISABLED: 403,
  NOT_FOUND: 404,
  ALREADY_ON_PATROL: 409,
  PATROL_NOT_ACTIVE: 409,
  PATROL_ENDED_BY_COMMANDER: 409,
  CONFLICT: 409,
  IN_USE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A failure the caller can act on; `details` is merged into the error body (e.g. `{patrolId}`). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
    /** Extra top-level body fields, e.g. the `{patrolId}` beside a 409 ALREADY_ON_PATROL (docs/ARCHITECTURE.md §9). */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * True when `err` means PostgreSQL could not be reached or is not serving
 * (connection refused, reset or timed out, no answer to a query in time,
 * server shutting down, starting up or out of connections), as the pg driver
 * or Prisma's pg adapter reports it: P1001/P1002/P1008/P1017/P2037, or P2039
 * carrying SQLSTATE class 08, 57P or 53300.
 */
export function isDatabaseDown(err: unknown): boolean {
  const text = errorText(err);
  return /ECONNREFUSED|ETIMEDOUT|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|Query read timeout|DatabaseNotReachable|the database system is (shutting down|starting up|in recovery mode|not yet accepting connections)|terminating connection|Can't reach database|Operation has timed out|Too many database connections|Code: `(08\d{3}|57P0\d|53300)`|\bP(1001|1002|1008|1017|2037)\b/i.test(
    text,
  );
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return `${err.name} ${err.message} ${(err as { code?: string }).code ?? ""} ${cause ? errorText(cause) : ""}`;
}

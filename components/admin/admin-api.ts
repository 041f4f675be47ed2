import type { FieldIssue } from "./field-messages";

/**
 * Browser-side calls to the admin REST API (docs/ARCHITECTURE.md §9). Every call resolves
 * to a result, never throws, so forms can show the server's message as is.
 */

/** A refused or failed call, ready to show: the API's code and message, plus messages per form field. */
export interface ApiFailure {
  /** HTTP status; 0 when the server could not be reached. */
  status: number;
  /** The API's error code (`VALIDATION_FAILED`, `CONFLICT`, `IN_USE`, …) or `NETWORK`. */
  code: string;
  /** The API's message, verbatim: it names what blocks the action. */
  message: string;
  /** The first issue per request field name (`divisionId`, `lat`, …), from `issues[]` or the error's `field`; the form words them. */
  fields: Record<string, FieldIssue>;
}

/** Outcome of an admin API call. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiFailure };

interface ErrorBody {
  error?: { code?: string; message?: string; field?: string; issues?: (Partial<FieldIssue> & { path?: string })[] };
}

/**
 * Calls `path` with an optional JSON `body`. A 401 (session expired) sends
 * the browser to the login page, which returns here after signing in.
 */
export async function adminRequest<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      // Every change declares JSON, with or without a body: the server refuses one that does not (CSRF defence).
      headers: method === "GET" ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    return failure(0, "NETWORK", "Could not reach the server; check the connection and try again.");
  }
  const parsed: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, data: parsed as T };
  if (res.status === 401) {
    // A full page load, not a client navigation: the login page must see the ended session.
    const login = new URL("/login", window.location.href);
    login.searchParams.set("callbackUrl", window.location.pathname);
    window.location.assign(login);
  }
  const error = (parsed as ErrorBody | null)?.error;
  if (!error?.message) return failure(res.status, "HTTP_ERROR", `The server answered ${res.status} ${res.statusText}; try again.`);
  return failure(res.status, error.code ?? "HTTP_ERROR", error.message, fieldMessages(error));
}

function failure(status: number, code: string, message: string, fields: Record<string, FieldIssue> = {}): ApiResult<never> {
  return { ok: false, error: { status, code, message, fields } };
}

/** One issue per top-level field: zod `issues[]` first, else the error's own `field` (e.g. a missing parent). */
function fieldMessages(error: NonNullable<ErrorBody["error"]>): Record<string, FieldIssue> {
  const fields: Record<string, FieldIssue> = {};
  for (const { path, ...issue } of error.issues ?? []) {
    const field = path?.split(".")[0];
    if (field && issue.message && !(field in fields)) fields[field] = { ...issue, code: issue.code ?? "custom", message: issue.message };
  }
  if (error.field && error.message && !(error.field in fields)) {
    // "scopeId: choose a station for a station-level scope." reads better beside the field without its prefix.
    fields[error.field] = { code: "server", message: error.message.replace(new RegExp(`^${error.field}: `), "") };
  }
  return fields;
}

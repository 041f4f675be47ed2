import { NextResponse } from "next/server";
import type { z } from "zod";
import { env } from "../env";
import { AppError, isDatabaseDown } from "../errors";
import { log } from "../log";
import { MAX_ROW_ID } from "../row-id";

/** Route context as Next 16 passes it: params arrive as a promise. */
export interface RouteContext<P extends Record<string, string> = Record<string, string>> {
  params: Promise<P>;
}

type Handler<P extends Record<string, string>> = (req: Request, ctx: RouteContext<P>) => Promise<Response>;

/** Largest JSON request body: `REQUEST_BODY_LIMIT_BYTES` (default 16 KiB). */
export const DEFAULT_MAX_BODY_BYTES = env.REQUEST_BODY_LIMIT_BYTES;

/** JSON response with `{error: {code, message, ...details}}` for an AppError. */
export function errorResponse(err: AppError): Response {
  return NextResponse.json(
    { ...err.body, error: { code: err.code, message: err.message, ...err.details } },
    { status: err.status, headers: err.headers },
  );
}

/** The app's own origin (of NEXTAUTH_URL): the only one a signed-in browser may send a change from. */
const APP_ORIGIN = new URL(env.NEXTAUTH_URL).origin;

/** Methods that change something; GET and HEAD never do here. */
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** next-auth's session cookie, plain or `__Secure-` (over https), whole or chunked (`.0`, `.1`, …). */
const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?next-auth\.session-token(?:\.\d+)?=/;

const JSON_TYPE = /^application\/(.+\+)?json\b/i;

/**
 * Defence in depth against cross-site request forgery, beyond the SameSite=Lax
 * session cookie (which a sibling subdomain or another port of the same host
 * gets past, being "same-site"): a state-changing request carrying the session
 * cookie must come from the app's own origin — `Sec-Fetch-Site: same-origin`
 * and an `Origin` equal to NEXTAUTH_URL's, when the browser sends them (403
 * otherwise) — and must declare a JSON body (415 otherwise), which no form and
 * no `no-cors` fetch can do. Device requests carry a bearer token instead;
 * next-auth's own routes keep their CSRF token and are not wrapped.
 */
function checkSameOrigin(req: Request): void {
  if (!STATE_CHANGING.has(req.method) || !SESSION_COOKIE.test(req.headers.get("cookie") ?? "")) return;
  // A bearer-token request (a device) is authenticated by its header, which a browser sends to another origin
  // only after a CORS preflight this app never grants.
  if (req.headers.has("authorization")) return;
  const site = req.headers.get("sec-fetch-site");
  const origin = req.headers.get("origin");
  if ((site !== null && site !== "same-origin") || (origin !== null && origin !== APP_ORIGIN)) {
    throw new AppError(
      "FORBIDDEN",
      `Refused a change sent from another site (${(origin ?? site ?? "").slice(0, 80)}): use the app at ${APP_ORIGIN}.`,
    );
  }
  const type = req.headers.get("content-type") ?? "";
  if (!JSON_TYPE.test(type)) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Send changes as JSON with "Content-Type: application/json" (got ${type ? `"${type.slice(0, 60)}"` : "none"}).`,
    );
  }
}

/**
 * Wraps a route handler once: refuses cross-site changes (`checkSameOrigin`),
 * maps AppError to its status, an unreachable database to 503, and anything
 * else to a logged 500 that reveals nothing.
 */
export function apiRoute<P extends Record<string, string> = Record<string, string>>(handler: Handler<P>): Handler<P> {
  return async (req, ctx) => {
    try {
      checkSameOrigin(req);
      return await handler(req, ctx);
    } catch (err) {
      if (err instanceof AppError) return errorResponse(err);
      if (isDatabaseDown(err)) {
        log.warn({ err: String(err), path: new URL(req.url).pathname }, "database unavailable");
        return errorResponse(
          new AppError("SERVICE_UNAVAILABLE", "The database is unavailable; try again shortly.", {}, { "Retry-After": "5" }),
        );
      }
      log.error({ err, method: req.method, path: new URL(req.url).pathname }, "unhandled route error");
      return errorResponse(new AppError("INTERNAL", "Something went wrong on our side; the error was logged."));
    }
  };
}

/**
 * Reads the request body as JSON, refusing more than `maxBytes` (default
 * `DEFAULT_MAX_BODY_BYTES`) before buffering it all. An absent or blank body
 * is refused (400 INVALID_JSON) unless `emptyAs` is given (default: none),
 * which it then stands for. Throws AppError on any problem.
 */
export async function readJsonBody(req: Request, maxBytes = DEFAULT_MAX_BODY_BYTES, emptyAs?: object): Promise<unknown> {
  if (emptyAs !== undefined && (req.body === null || req.headers.get("content-length") === "0")) return emptyAs;
  const type = req.headers.get("content-type") ?? "";
  if (type && !JSON_TYPE.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Send the body as JSON with "Content-Type: application/json" (got "${type.slice(0, 60)}").`);
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readLimited(req, maxBytes);
  if (text.trim() === "") {
    if (emptyAs !== undefined) return emptyAs;
    throw new AppError("INVALID_JSON", "The request body is empty; send a JSON object.");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError("INVALID_JSON", "The request body is not valid JSON.");
  }
}

/** Reads and validates a JSON body against `schema`; 400 names each offending field. */
export async function parseBody<S extends z.ZodType>(req: Request, schema: S, maxBytes?: number): Promise<z.infer<S>> {
  return parseWith(schema, await readJsonBody(req, maxBytes));
}

/** Like `parseBody`, but an absent or blank body stands for `{}` (validated like any other): for all-optional bodies. */
export async function parseOptionalBody<S extends z.ZodType>(req: Request, schema: S, maxBytes?: number): Promise<z.infer<S>> {
  return parseWith(schema, await readJsonBody(req, maxBytes, {}));
}

/** Validates `value` against `schema`; 400 VALIDATION_FAILED naming each offending field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.join(".") : "body";
    return `${path}: ${issue.message}`;
  });
  throw new AppError("VALIDATION_FAILED", `Invalid request: ${problems.join("; ")}.`, {
    issues: result.error.issues.slice(0, 20).map(issueDetail),
  });
}

/** What a form needs to word an issue itself: its path, zod's message and code, and the limit or format it broke. */
export interface IssueDetail {
  path: string;
  message: string;
  /** zod's issue code: `invalid_type`, `too_small`, `too_big`, `invalid_format`, `invalid_value`, `custom`, … */
  code: string;
  /** For `too_small` / `too_big`: what was measured (`number`, `string` length, `array` size…) and the limit. */
  origin?: string;
  minimum?: number;
  maximum?: number;
  /** For `invalid_format`: `email`, `regex`, … */
  format?: string;
}

function issueDetail(issue: z.core.$ZodIssue): IssueDetail {
  const detail: IssueDetail = { path: issue.path.join("."), message: issue.message, code: issue.code };
  if (issue.code === "too_small" || issue.code === "too_big") detail.origin = issue.origin;
  if (issue.code === "too_small") detail.minimum = Number(issue.minimum);
  if (issue.code === "too_big") detail.maximum = Number(issue.maximum);
  if (issue.code === "invalid_format") detail.format = issue.format;
  return detail;
}

/** Parses a positive integer path parameter; 404 when it is not one, or too large to be any row's id. */
export function idParam(value: string | undefined, what: string): number {
  const id = Number(value);
  if (!value || !/^\d{1,10}$/.test(value) || id < 1 || id > MAX_ROW_ID) {
    throw new AppError("NOT_FOUND", `No ${what} with id "${String(value).slice(0, 20)}".`);
  }
  return id;
}

function tooLarge(maxBytes: number): AppError {
  const limit = maxBytes % 1024 === 0 ? `${maxBytes / 1024} KiB` : `${maxBytes} bytes`;
  return new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit}; send less per request.`);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads the request body as UTF-8 text, refusing more than `maxBytes` (413) before buffering it all; "" when absent. */
export async function readBodyText(req: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  if (Number(req.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge(maxBytes);
  return readLimited(req, maxBytes);
}

/** True for a JSON media type (`application/json`, `application/…+json`). */
export const isJsonType = (type: string | null) => JSON_TYPE.test(type ?? "");

async function readLimited(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return "";
  // Fast path (the telemetry hot path): a declared length within the limit is read in one go.
  if (req.headers.has("content-length")) {
    const bytes = await req.arrayBuffer();
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    return decodeUtf8(bytes);
  }
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return decodeUtf8(Buffer.concat(chunks));
}

function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppError("INVALID_JSON", "The request body is not valid UTF-8 JSON.");
  }
}

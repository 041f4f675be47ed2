import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { env } from "../env";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Whether a request to an ops endpoint (`/metrics`, `/healthz`) may be
 * answered: always when no `token` (METRICS_TOKEN) is configured, else only
 * with `Authorization: Bearer <token>`. Compared in constant time.
 */
export function opsRequestAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? "";
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * The ops guard of every process with `/metrics` and `/healthz` (realtime
 * sidecar, history writer): answers 401 and returns true when the request
 * lacks the METRICS_TOKEN (default `env.METRICS_TOKEN`; unset: nothing is refused).
 */
export function refuseWithoutOpsToken(req: IncomingMessage, res: ServerResponse, token = env.METRICS_TOKEN): boolean {
  if (opsRequestAllowed(req.headers.authorization, token)) return false;
  res.writeHead(401, { "Content-Type": "application/json", "Cache-Control": "no-store", "WWW-Authenticate": 'Bearer realm="sentinel-ops"' });
  res.end(JSON.stringify({ error: { code: "UNAUTHENTICATED", message: "Send the ops token: Authorization: Bearer <METRICS_TOKEN>." } }));
  return true;
}

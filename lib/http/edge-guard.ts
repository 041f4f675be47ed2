import http from "node:http";
import { ERROR_STATUS } from "../errors";
import { PEER_ADDRESS_HEADER, PEER_ADDRESS_RECORDED } from "./client-address";
import { API_CONTENT_SECURITY_POLICY } from "./content-security-policy";

/**
 * What every request to the web process passes before Next.js sees it.
 * `next start` offers no hook at this point, so `instrumentation.ts` installs
 * this on `http.Server` once, at startup. It does two things Next cannot:
 *
 * - stamps the TCP peer address into `PEER_ADDRESS_HEADER` (overwriting any
 *   value a client sent), for per-IP limits (lib/http/client-address.ts);
 * - refuses a request whose path is not valid percent-encoding with 400:
 *   Next fails to decode it in a dynamic API segment and answers a bare 500.
 */

/** True when the path of a request target percent-decodes to text. */
export function decodablePath(target: string): boolean {
  try {
    decodeURIComponent(target.split("?", 1)[0] ?? "");
    return true;
  } catch {
    return false;
  }
}

function refuseMalformedPath(res: http.ServerResponse): void {
  const body = JSON.stringify({
    error: { code: "INVALID_URL", message: 'The request path is not valid percent-encoding (a stray "%"?); encode it and retry.' },
  });
  res.writeHead(ERROR_STATUS.INVALID_URL, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
  });
  res.end(body);
}

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;

/** Installs the guard on every `http.Server` of this process; idempotent. Plain HTTP only: TLS ends at the reverse proxy. */
export function installEdgeGuard(): void {
  const flags = globalThis as Record<symbol, unknown>;
  if (flags[PEER_ADDRESS_RECORDED] === true) return;
  const emit = http.Server.prototype.emit as Emit;
  const guarded: Emit = function (event, ...args) {
    if (event === "request" || event === "upgrade") {
      const req = args[0] as http.IncomingMessage;
      req.headers[PEER_ADDRESS_HEADER] = req.socket?.remoteAddress ?? "";
      if (event === "request" && !decodablePath(req.url ?? "/")) {
        refuseMalformedPath(args[1] as http.ServerResponse);
        return true;
      }
    }
    return emit.call(this, event, ...args);
  };
  http.Server.prototype.emit = guarded as typeof http.Server.prototype.emit;
  flags[PEER_ADDRESS_RECORDED] = true;
}

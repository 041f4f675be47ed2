import http from "node:http";

/**
 * Raw HTTP for tests that need to be seen as different client machines:
 * every 127.x.y.z address reaches a server listening on 127.0.0.1, and the
 * server sees it as the TCP peer. Per-IP limits can so be tested without
 * trusting any header.
 */

/** A response read in full. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Options of `requestFrom`. */
export interface RawRequest {
  /** Source address of the connection. Default: 127.0.0.1. */
  from?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One HTTP request from the loopback address `from`, on a fresh connection. */
export function requestFrom(url: string, opts: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, localAddress: opts.from ?? "127.0.0.1", agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** What one pass through next-auth's credentials flow (csrf → callback) gave back. */
export interface LoginAttempt {
  /** The `error` of the URL next-auth sends the browser to (`json=true` puts it in the body): the message the form shows. */
  error: string | null;
  /** The session cookie (`name=value`), or undefined when none was set. */
  sessionCookie: string | undefined;
  /** Every Set-Cookie header of the callback response, attributes included. */
  setCookies: string[];
  /** Milliseconds the credentials callback took, request sent to response read (the csrf step excluded). */
  ms: number;
}

const pairs = (setCookies: string[] | undefined) => (setCookies ?? []).map((c) => c.split(";")[0]!);

/**
 * Signs in over HTTP as a browser would (csrf → credentials callback), from
 * the loopback address `from`, with extra request `headers` (e.g. the
 * `X-Forwarded-For` a reverse proxy, or an attacker, adds).
 */
export async function attemptLogin(
  baseUrl: string,
  email: string,
  password: string,
  opts: { from?: string; headers?: Record<string, string> } = {},
): Promise<LoginAttempt> {
  const csrf = await requestFrom(`${baseUrl}/api/auth/csrf`, opts);
  const { csrfToken } = JSON.parse(csrf.text) as { csrfToken: string };
  const started = performance.now();
  const res = await requestFrom(`${baseUrl}/api/auth/callback/credentials`, {
    ...opts,
    method: "POST",
    headers: { ...opts.headers, "content-type": "application/x-www-form-urlencoded", cookie: pairs(csrf.headers["set-cookie"]).join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }).toString(),
  });
  const ms = performance.now() - started;
  const { url } = JSON.parse(res.text) as { url: string };
  const setCookies = res.headers["set-cookie"] ?? [];
  return {
    error: new URL(url, baseUrl).searchParams.get("error"),
    sessionCookie: pairs(setCookies).find((c) => /^(__Secure-)?next-auth\.session-token=/.test(c)),
    setCookies,
    ms,
  };
}

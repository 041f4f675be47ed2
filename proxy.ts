import { withAuth, type NextRequestWithAuth } from "next-auth/middleware";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { env, realtimePublicUrl } from "./lib/env";
import { newNonce, pageContentSecurityPolicy } from "./lib/http/content-security-policy";

/** Pages only a signed-in user may open. */
const SIGNED_IN_ONLY = /^\/(map|replay|admin)(\/|$)/;

/** Gives the page a nonce-based Content-Security-Policy, fresh for this response. */
function withPagePolicy(req: NextRequest): NextResponse {
  const policy = pageContentSecurityPolicy({
    nonce: newNonce(),
    tileUrl: env.NEXT_PUBLIC_TILE_URL,
    realtimeUrl: realtimePublicUrl,
    https: new URL(env.NEXTAUTH_URL).protocol === "https:",
    dev: env.NODE_ENV === "development",
  });
  // Next reads the nonce from the request's policy and puts it on every script it renders.
  const headers = new Headers(req.headers);
  headers.set("content-security-policy", policy);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("Content-Security-Policy", policy);
  return res;
}

// First line of defence only: pages and routes check the session server-side themselves.
const signedInOnly = withAuth((req) => withPagePolicy(req), { pages: { signIn: "/login" }, secret: env.NEXTAUTH_SECRET });

/** Every page: the CSP; /map, /replay and /admin: anonymous visitors are sent to /login first. */
export default function proxy(req: NextRequest, event: NextFetchEvent) {
  return SIGNED_IN_ONLY.test(req.nextUrl.pathname) ? signedInOnly(req as NextRequestWithAuth, event) : withPagePolicy(req);
}

// Pages only: API routes get their own fixed policy (next.config.ts), static assets need none.
export const config = { matcher: ["/((?!api/|_next/static/|_next/image/|favicon\\.ico).*)"] };

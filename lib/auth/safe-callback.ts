/** Where a user goes after signing in when no usable `callbackUrl` was given: the live map. */
export const DEFAULT_AFTER_LOGIN = "/map";

/**
 * The post-login destination for a requested `callbackUrl`: a path on `origin`
 * (the app's own, from NEXTAUTH_URL), else `DEFAULT_AFTER_LOGIN`. The value is
 * parsed as a URL the way the browser will resolve it — backslashes read as
 * slashes, tabs and newlines dropped, `javascript:` and other schemes kept — so
 * `/\evil.example` or `/<TAB>/evil.example` resolve to another host and are
 * refused, where a string-prefix check lets them through. Only path, query and
 * fragment are returned, and never one starting `//` (which a browser would
 * read as a host again).
 */
export function safeCallbackPath(requested: string | null | undefined, origin: string): string {
  if (!requested) return DEFAULT_AFTER_LOGIN;
  let url: URL;
  try {
    url = new URL(requested, `${origin}/`);
  } catch {
    return DEFAULT_AFTER_LOGIN;
  }
  if (url.origin !== origin) return DEFAULT_AFTER_LOGIN;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("/") && !path.startsWith("//") ? path : DEFAULT_AFTER_LOGIN;
}

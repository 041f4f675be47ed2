/**
 * The Content-Security-Policy of Sentinel's pages. Scripts run only with the
 * per-request nonce (Next puts it on its own scripts when the request carries
 * this policy; `'strict-dynamic'` extends trust to the chunks they load), so
 * no inline script an attacker manages to inject can run.
 */

/** What the policy depends on. */
export interface PagePolicyInput {
  /** Fresh, unpredictable, base64; one per response. */
  nonce: string;
  /** `NEXT_PUBLIC_TILE_URL`, a Leaflet URL template such as `https://{s}.tile.example.org/{z}/{x}/{y}.png`. */
  tileUrl: string;
  /** URL browsers open the live WebSocket on (`REALTIME_PUBLIC_URL`). */
  realtimeUrl: string;
  /** Public origin of the site is https: ask browsers to upgrade any http sub-request. */
  https: boolean;
  /** `next dev`: React's dev tooling needs eval. */
  dev: boolean;
}

/**
 * The CSP source matching a URL template's origin. A placeholder in the
 * leftmost host label (`{s}.tile.example.org`) becomes the `*.` wildcard; one
 * anywhere else cannot be expressed, so the scheme alone (`https:`) is
 * allowed. A relative template (same origin) needs no source: null.
 */
export function templateOriginSource(template: string): string | null {
  const match = /^(https?|wss?):\/\/([^/?#]+)/i.exec(template.trim());
  if (!match) return null;
  const scheme = match[1]!.toLowerCase();
  const labels = match[2]!.split(".");
  if (!labels.some((label) => label.includes("{"))) return `${scheme}://${match[2]}`;
  if (labels.slice(1).some((label) => label.includes("{"))) return `${scheme}:`;
  return `${scheme}://*.${labels.slice(1).join(".")}`;
}

/**
 * The page policy, one line. Styles allow `'unsafe-inline'` (Leaflet and
 * React set style attributes; CSS cannot run script) and therefore carry no
 * nonce, which would disable it. Images: our origin, data:/blob: URIs and the
 * tile server. Connections: our origin and the realtime sidecar.
 */
export function pageContentSecurityPolicy(input: PagePolicyInput): string {
  const tiles = templateOriginSource(input.tileUrl);
  const realtime = templateOriginSource(input.realtimeUrl);
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    ["script-src", "'self'", `'nonce-${input.nonce}'`, "'strict-dynamic'", ...(input.dev ? ["'unsafe-eval'"] : [])],
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:", ...(tiles ? [tiles] : [])],
    ["font-src", "'self'"],
    ["connect-src", "'self'", ...(realtime ? [realtime] : [])],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
    ["frame-ancestors", "'none'"],
  ];
  if (input.https) directives.push(["upgrade-insecure-requests"]);
  return directives.map((d) => d.join(" ")).join("; ");
}

/** Policy for API responses (JSON, never rendered): nothing may load, nothing may frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}

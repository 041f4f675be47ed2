/**
 * The client IP address behind a request, for per-IP limits (login throttling).
 *
 * `next start` gives route handlers no access to the TCP socket, and it sets
 * `X-Forwarded-For` to the socket address only when the request has none — so
 * a client talking to it directly can put any address there. The web process
 * therefore records the socket address itself, in `PEER_ADDRESS_HEADER`, on
 * every request before Next sees it (the edge guard, lib/http/edge-guard.ts,
 * installed by `instrumentation.ts`), overwriting whatever a client sent under that name.
 * `TRUSTED_PROXY_HOPS` then says how many `X-Forwarded-For` entries, counted
 * from the right, were appended by our own reverse proxies.
 */

/** Request header carrying the TCP peer address, set by the web process itself (never trusted from outside). */
export const PEER_ADDRESS_HEADER = "x-sentinel-peer-address";

/** Address used when the peer address is unknown: every such request shares one per-IP budget (fails closed). */
export const UNKNOWN_CLIENT = "unknown";

type HeaderSource = Headers | Record<string, unknown> | undefined;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "string" ? value : undefined;
}

/**
 * The client address of a request whose TCP peer is `PEER_ADDRESS_HEADER`,
 * given `trustedHops` reverse proxies that each append to `X-Forwarded-For`:
 * with 0 the peer itself; with n the n-th `X-Forwarded-For` entry from the
 * right. Entries further left are the client's own claims and never used.
 * When the chain is shorter than `trustedHops` (a request that bypassed a
 * proxy) the leftmost entry is used. Without a peer address: `UNKNOWN_CLIENT`.
 */
export function clientAddress(headers: HeaderSource, trustedHops: number): string {
  const peer = header(headers, PEER_ADDRESS_HEADER)?.trim();
  if (!peer) return UNKNOWN_CLIENT;
  const forwarded = (header(headers, "x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  return chain[Math.max(0, chain.length - 1 - trustedHops)]!;
}

/** Global flag set by the edge guard once it stamps `PEER_ADDRESS_HEADER` on every request of this process. */
export const PEER_ADDRESS_RECORDED = Symbol.for("sentinel.peerAddressRecorded");

/** True once the edge guard (lib/http/edge-guard.ts) runs in this process, i.e. `PEER_ADDRESS_HEADER` can be trusted. */
export function peerAddressesRecorded(): boolean {
  return (globalThis as Record<symbol, unknown>)[PEER_ADDRESS_RECORDED] === true;
}

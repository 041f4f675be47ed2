import type { Scope } from "../../../lib/scope";

/**
 * Messages between `npm run soak` and its dashboard processes
 * (test/support/load/soak-dashboard-process.ts), over the fork IPC channel.
 */

/** One dashboard to hold open: the user it signs in as and its jurisdiction. */
export interface SoakClientSpec {
  userId: number;
  scope: Scope;
}

/** What the soak asks a dashboard process. */
export type SoakCommand =
  | { type: "connect"; url: string; clients: SoakClientSpec[] }
  | { type: "report" }
  | { type: "close" };

/** What one dashboard received so far. */
export interface SoakClientCounts {
  userId: number;
  /** TELEMETRY frames of patrols it was shown. */
  telemetry: number;
  /** TELEMETRY frames of patrols it was never shown (outside its scope, or before its SNAPSHOT/ADD_CAR): must stay 0. */
  unknown: number;
  snapshots: number;
  /** Times the connection dropped and was opened again (frames in between are lost). */
  reconnects: number;
  open: boolean;
}

/** A dashboard process's answer. */
export type SoakReply =
  | { type: "connected"; failed: string[] }
  | { type: "report"; clients: SoakClientCounts[]; latency: number[]; memory: { rss: number; heapUsed: number } }
  | { type: "closed" };

/** Upper bounds (ms) of the frame-latency histogram buckets (sent by the vehicle → received by the dashboard); one more bucket holds the rest. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000];

/** Index of the histogram bucket for `ms`. */
export function latencyBucket(ms: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? LATENCY_BUCKETS_MS.length : i;
}

/** The `q` quantile (0–1) of a histogram, as its bucket's upper bound in ms (Infinity for the overflow bucket). */
export function histogramQuantile(counts: number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let seen = 0;
  for (const [i, n] of counts.entries()) {
    seen += n;
    if (seen >= q * total) return LATENCY_BUCKETS_MS[i] ?? Infinity;
  }
  return Infinity;
}

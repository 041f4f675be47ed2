/** Upper bounds (ms) of the latency histogram buckets; one more bucket holds the rest. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000];

/** A histogram with every bucket (and the overflow bucket) at 0. */
export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
}

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

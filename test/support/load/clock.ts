/**
 * The one clock every benchmark process stamps events with: CLOCK_MONOTONIC
 * via `process.hrtime`, in milliseconds with sub-microsecond resolution.
 *
 * On Linux this clock is system-wide, so a send time taken in the driver and a
 * receive time taken in a dashboard process are directly comparable — unlike
 * `performance.timeOrigin + performance.now()`, whose origin is a wall-clock
 * sample taken separately by each process at its start.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { monotonicMs, sleep } from "../test/support/load/clock";
import { MAX_SOCKETS, OutcomeTally, type Outcome } from "../test/support/load/http-client";
import { percentiles, type Percentiles } from "./stats";

/**
 * The benchmark's two shapes of HTTP load: paced (open loop, a fixed request
 * rate, as vehicles send) and saturating (closed loop, N requests always in
 * flight, to find the most a server sustains).
 */

/** Result of a paced run. */
export interface PacedResult {
  targetRate: number;
  /** Requests started per second over the run. */
  achievedRate: number;
  sent: number;
  durationS: number;
  /** Requests still waiting for a free socket when their turn came (the server fell behind). */
  backlogged: number;
}

/**
 * Sends `send()` at `rate` per second for `durationS` seconds (open loop: the
 * schedule does not wait for answers), then waits for the answers still in
 * flight. At most `MAX_SOCKETS` requests are on the wire; the excess queues
 * in the agent and is counted as backlog.
 */
export async function runPaced(rate: number, durationS: number, send: () => Promise<unknown>): Promise<PacedResult> {
  const inFlight = new Set<Promise<unknown>>();
  let sent = 0;
  let backlogged = 0;
  const start = monotonicMs();
  const end = start + durationS * 1000;
  for (let now = start; now < end; now = monotonicMs()) {
    const due = Math.min(Math.floor(((now - start) / 1000) * rate), Math.floor(durationS * rate)) - sent;
    for (let i = 0; i < due; i++) {
      if (inFlight.size >= MAX_SOCKETS) backlogged++;
      const p = send().finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent++;
    }
    await sleep(1);
  }
  const elapsedS = (monotonicMs() - start) / 1000;
  await Promise.all(inFlight);
  return { targetRate: rate, achievedRate: round1(sent / elapsedS), sent, durationS: round1(elapsedS), backlogged };
}

/** Result of a saturating run. */
export interface SaturationResult {
  concurrency: number;
  durationS: number;
  requests: number;
  /** Accepted requests per second in the measured part. */
  acceptedPerS: number;
  /** Accepted units (points, for batches) per second. */
  unitsPerS: number;
  errors: Record<string, number>;
  /** Client-side response time of accepted requests, ms. */
  responseMs: Percentiles;
}

/**
 * Keeps `concurrency` requests in flight for `warmupS + durationS` seconds
 * and counts what completed after the warm-up. `send` returns whether the
 * request was accepted and how many units (points) it carried.
 */
export async function runSaturating(
  concurrency: number,
  warmupS: number,
  durationS: number,
  send: () => Promise<{ outcome: Outcome; ok: boolean; units: number }>,
): Promise<SaturationResult> {
  const tally = new OutcomeTally();
  const times: number[] = [];
  let units = 0;
  let requests = 0;
  const start = monotonicMs();
  const measureFrom = start + warmupS * 1000;
  const end = measureFrom + durationS * 1000;
  const loop = async () => {
    while (monotonicMs() < end) {
      const t0 = monotonicMs();
      const r = await send();
      const t1 = monotonicMs();
      // Counted by completion time: what the server finished inside the measured window.
      if (t1 < measureFrom || t1 > end) continue;
      requests++;
      tally.add(r.outcome, r.ok);
      if (r.ok) {
        units += r.units;
        times.push(t1 - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return {
    concurrency,
    durationS,
    requests,
    acceptedPerS: round1(tally.accepted / durationS),
    unitsPerS: round1(units / durationS),
    errors: tally.errors,
    responseMs: percentiles(times),
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

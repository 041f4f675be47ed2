import http from "node:http";
import { monotonicMs, sleep } from "./clock";
import { percentiles, type Percentiles } from "../../../bench/stats";

/**
 * HTTP load generation against 127.0.0.1 only: keep-alive connections,
 * bounded in number and in time. Two shapes: paced (open loop, a fixed
 * request rate, as vehicles send) and saturating (closed loop, N requests
 * always in flight, to find the most a server sustains).
 */

/** Most sockets one load generator opens to a server: 64. */
export const MAX_SOCKETS = 64;

/** One HTTP exchange's outcome: a status, or the transport error's code. */
export interface Outcome {
  status: number;
  /** Response body text (small JSON for every endpoint the benchmark calls). */
  body: string;
  error?: string;
}

/** A keep-alive HTTP client for one server on 127.0.0.1. */
export class LocalHttpClient {
  private readonly agent: http.Agent;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets = MAX_SOCKETS) {
    const url = new URL(baseUrl);
    if (url.hostname !== "127.0.0.1") throw new Error(`load generators only target 127.0.0.1, not ${url.hostname}`);
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** Sends one request; never rejects (transport errors come back as status 0 with `error`). */
  request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Outcome> {
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: body === undefined ? headers : { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on("error", (err) => resolve({ status: 0, body: "", error: (err as NodeJS.ErrnoException).code ?? err.message }));
        },
      );
      req.on("timeout", () => req.destroy(new Error("ETIMEDOUT")));
      req.on("error", (err) => resolve({ status: 0, body: "", error: (err as NodeJS.ErrnoException).code ?? err.message }));
      req.end(body);
    });
  }

  /** Closes every kept-alive socket. */
  close(): void {
    this.agent.destroy();
  }
}

/** Tally of outcomes: accepted ones and errors by status (or transport error code). */
export class OutcomeTally {
  accepted = 0;
  readonly errors: Record<string, number> = {};

  /** Counts one outcome; `ok` decides whether it was accepted. */
  add(outcome: Outcome, ok: boolean): void {
    if (ok) this.accepted++;
    else {
      const key = outcome.error ?? String(outcome.status);
      this.errors[key] = (this.errors[key] ?? 0) + 1;
    }
  }

  /** Total errors. */
  get errorCount(): number {
    return Object.values(this.errors).reduce((a, b) => a + b, 0);
  }
}

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

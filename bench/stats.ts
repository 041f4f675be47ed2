import type { ClientFrames } from "../test/support/load/dashboards";
import { pointKey, type SentPoint } from "../test/support/load/telemetry-driver";

/** Summary statistics of a sample. */
export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (p50, p95, p99) plus mean and max, rounded to µs; all 0 for an empty sample. */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const n = values.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  let total = 0;
  for (const v of sorted) total += v;
  return { count: n, mean: round3(total / n), p50: round3(rank(50)), p95: round3(rank(95)), p99: round3(rank(99)), max: round3(sorted[n - 1]!) };
}

/** Delivery of one client against what its scope should have received. */
export interface ClientDelivery {
  clientId: number;
  expected: number;
  delivered: number;
  duplicates: number;
}

/** Latencies of every delivered frame plus per-client delivery counts. */
export interface JoinResult {
  latenciesMs: Float64Array;
  clients: ClientDelivery[];
}

/**
 * Joins what the driver sent (accepted points, keyed by patrol and ts) with
 * what each client received. A client is expected to receive every accepted
 * point of a patrol in `visiblePatrols(clientId)`; frames of points sent
 * outside the window are ignored, and a frame seen twice counts as duplicate.
 */
export function joinDeliveries(
  sent: ReadonlyMap<string, Pick<SentPoint, "patrolId" | "sentAt">>,
  frames: ClientFrames[],
  visiblePatrols: (clientId: number) => ReadonlySet<number>,
): JoinResult {
  const perPatrol = new Map<number, number>();
  for (const p of sent.values()) perPatrol.set(p.patrolId, (perPatrol.get(p.patrolId) ?? 0) + 1);
  const latencies: number[] = [];
  const clients: ClientDelivery[] = [];
  for (const f of frames) {
    let expected = 0;
    for (const patrolId of visiblePatrols(f.clientId)) expected += perPatrol.get(patrolId) ?? 0;
    const seen = new Set<string>();
    let duplicates = 0;
    for (let i = 0; i < f.patrolIds.length; i++) {
      const key = pointKey(f.patrolIds[i]!, f.ts[i]!);
      const point = sent.get(key);
      if (!point) continue;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      latencies.push(f.receivedAt[i]! - point.sentAt);
    }
    clients.push({ clientId: f.clientId, expected, delivered: seen.size, duplicates });
  }
  return { latenciesMs: Float64Array.from(latencies), clients };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

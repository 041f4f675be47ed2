import { monotonicMs } from "./clock";
import type { BenchPatrol } from "../../../bench/fleet";
import { OutcomeTally, type LocalHttpClient, type Outcome } from "./http-load";
import { pointKey, type SentPoint } from "../../../bench/stats";

/**
 * Produces the vehicles' telemetry: round-robin over every patrol, positions
 * wandering around each home station, and a `ts` that strictly increases per
 * patrol so (patrolId, ts) names each point uniquely — the key dashboards'
 * receive stamps are joined on. While recording, the monotonic send time of
 * every accepted point is kept.
 */
export class TelemetryDriver {
  private readonly lastTs = new Map<number, number>();
  private cursor = 0;
  private step = 0;
  private recording: Map<string, SentPoint> | null = null;
  private responseMs: number[] = [];
  private tally = new OutcomeTally();
  private readonly acceptedBy = new Map<LocalHttpClient, number>();

  constructor(private readonly patrols: BenchPatrol[]) {
    if (patrols.length === 0) throw new Error("the driver needs at least one patrol");
  }

  /** Starts keeping accepted points (and counting outcomes) afresh. */
  startRecording(): void {
    this.recording = new Map();
    this.responseMs = [];
    this.tally = new OutcomeTally();
  }

  /**
   * Stops recording; returns the accepted single points, the HTTP response
   * time of each (ms, send → answer) and the outcome tally since `startRecording`.
   */
  stopRecording(): { sent: Map<string, SentPoint>; responseMs: number[]; tally: OutcomeTally } {
    const sent = this.recording ?? new Map<string, SentPoint>();
    this.recording = null;
    return { sent, responseMs: this.responseMs, tally: this.tally };
  }

  /** Points `client`'s server has accepted from this driver so far. */
  acceptedPoints(client: LocalHttpClient): number {
    return this.acceptedBy.get(client) ?? 0;
  }

  /** Posts one point of the next patrol to `POST {path}` (default /api/telemetry). */
  async point(client: LocalHttpClient, path = "/api/telemetry"): Promise<{ outcome: Outcome; ok: boolean; units: number }> {
    const patrol = this.nextPatrol();
    const ts = this.nextTs(patrol.patrolId, 1);
    const body = JSON.stringify(this.position(patrol, ts));
    const sentAt = monotonicMs();
    const outcome = await client.request("POST", path, body, { authorization: `Bearer ${patrol.token}` });
    // A stale point is accepted but published nowhere: with strictly increasing ts there should be none.
    const ok = outcome.status === 202 && !outcome.body.includes('"stale"');
    this.tally.add(outcome, ok);
    if (ok) {
      this.acceptedBy.set(client, this.acceptedPoints(client) + 1);
      if (this.recording) {
        this.recording.set(pointKey(patrol.patrolId, ts), { patrolId: patrol.patrolId, sentAt });
        this.responseMs.push(monotonicMs() - sentAt);
      }
    }
    return { outcome, ok, units: 1 };
  }

  /** Posts `size` consecutive points of the next patrol to `POST {path}` (default /api/telemetry/batch). */
  async batch(client: LocalHttpClient, size: number, path = "/api/telemetry/batch"): Promise<{ outcome: Outcome; ok: boolean; units: number }> {
    const patrol = this.nextPatrol();
    const first = this.nextTs(patrol.patrolId, size);
    const points = Array.from({ length: size }, (_, i) => this.position(patrol, first + i));
    const outcome = await client.request("POST", path, JSON.stringify({ points }), { authorization: `Bearer ${patrol.token}` });
    let published = 0;
    if (outcome.status === 202) published = (JSON.parse(outcome.body) as { published: number }).published;
    const ok = outcome.status === 202 && published === size;
    this.tally.add(outcome, ok);
    if (ok) this.acceptedBy.set(client, this.acceptedPoints(client) + size);
    return { outcome, ok, units: ok ? size : 0 };
  }

  private nextPatrol(): BenchPatrol {
    const patrol = this.patrols[this.cursor]!;
    this.cursor = (this.cursor + 1) % this.patrols.length;
    return patrol;
  }

  /** Reserves `count` consecutive ts values for a patrol: now, or just after its last one. */
  private nextTs(patrolId: number, count: number): number {
    const first = Math.max(Date.now(), (this.lastTs.get(patrolId) ?? 0) + 1);
    this.lastTs.set(patrolId, first + count - 1);
    return first;
  }

  private position(patrol: BenchPatrol, ts: number) {
    const a = (this.step++ % 3600) / 100;
    return {
      patrolId: patrol.patrolId,
      lat: Math.round((patrol.lat + 0.004 * Math.sin(a + patrol.patrolId)) * 1e6) / 1e6,
      lon: Math.round((patrol.lon + 0.004 * Math.cos(a + patrol.patrolId)) * 1e6) / 1e6,
      ts,
      speed: Math.round((8 + 4 * Math.sin(a)) * 10) / 10,
      heading: Math.floor((a * 57.3) % 360),
    };
  }
}

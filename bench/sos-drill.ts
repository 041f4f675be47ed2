import { signIn } from "../scripts/simulator/sign-in";
import { monotonicMs, sleep } from "../test/support/load/clock";
import type { ClientAlertFrames, Collected } from "../test/support/load/dashboards";
import { LocalHttpClient } from "../test/support/load/http-client";
import type { BenchPatrol } from "./fleet";
import type { BenchContext, WindowCompanion } from "./phases";
import { percentiles, type Percentiles } from "./stats";

/**
 * The control-room drill of `npm run bench`: while Sentinel's dashboards
 * watch paced telemetry, officers press SOS — one a second, each a different
 * patrol, the patrols most dashboards cover first — and every covering
 * dashboard must decode the ALERT. Afterwards an admin resolves them all, so
 * later phases start without open alerts.
 */

/** What the drill measured. */
export interface SosReport {
  presses: number;
  /** Presses answered 201 with an alert id. */
  raised: number;
  /** Non-201 answers by status (0: no answer). */
  errors: Record<string, number>;
  /** SOS press (HTTP send) → ALERT decoded in a covering dashboard, over every delivery, ms. */
  latencyMs: Percentiles;
  /** HTTP send → 201 back in the device, ms. */
  httpResponseMs: Percentiles;
  /** (press, covering dashboard) pairs: every dashboard whose scope contains the patrol should get its ALERT. */
  expected: number;
  delivered: number;
  /** Dashboards covering a pressed patrol, fewest / most. */
  coveringDashboards: { min: number; max: number };
  /** ALERT frames about a patrol outside the receiving dashboard's scope, since connecting (must be 0). */
  outOfScope: number;
  /** The same alert decoded twice by one dashboard (the drill presses each patrol once, so none is expected). */
  duplicates: number;
  /** Raised alerts an admin resolved afterwards. */
  resolved: number;
}

/** One SOS press and its answer. */
interface Press {
  patrol: BenchPatrol;
  sentAt: number;
  answeredAt: number;
  status: number;
  alertId: number | null;
}

/** Patrols ranked by how many dashboards cover them, most first (ties: lowest patrol id). */
function mostWatched(ctx: BenchContext): Array<{ patrol: BenchPatrol; covering: number }> {
  const covering = new Map<number, number>();
  for (const visible of ctx.visible.values()) for (const id of visible) covering.set(id, (covering.get(id) ?? 0) + 1);
  return ctx.patrols
    .map((patrol) => ({ patrol, covering: covering.get(patrol.patrolId) ?? 0 }))
    .sort((a, b) => b.covering - a.covering || a.patrol.patrolId - b.patrol.patrolId);
}

/** Resolves an alert as the signed-in `cookie`; true on 200. */
async function resolveAlert(baseUrl: string, cookie: string, alertId: number): Promise<boolean> {
  // A session's changes must be JSON (lib/http/handler.ts), even without a body.
  const res = await fetch(`${baseUrl}/api/alerts/${alertId}/resolve`, { method: "POST", headers: { cookie, "content-type": "application/json" } });
  await res.text();
  return res.status === 200;
}

/** Presses SOS alongside a measured Sentinel window and joins the presses with the ALERT frames the dashboards decoded. */
export class SosDrill implements WindowCompanion {
  private readonly device: LocalHttpClient;
  private readonly presses: Press[] = [];
  /** The warm-up press's alert, resolved with the others but not measured. */
  private warmUpAlertId: number | null = null;
  private alerts: ClientAlertFrames[] = [];
  private outOfScope = 0;

  constructor(
    private readonly ctx: BenchContext,
    private readonly baseUrl: string,
  ) {
    // Its own connection, as a device has: SOS requests never queue behind the driver's telemetry.
    this.device = new LocalHttpClient(baseUrl);
  }

  /**
   * One unmeasured press before the window, on the least-watched patrol (never one the window presses): `next
   * start` loads a route's code on its first request, which no officer's SOS should be timed with.
   */
  async warmUp(): Promise<void> {
    const patrol = mostWatched(this.ctx).at(-1)!.patrol;
    const outcome = await this.device.request("POST", `/api/patrols/${patrol.patrolId}/sos`, undefined, { authorization: `Bearer ${patrol.token}` });
    if (outcome.status !== 201) throw new Error(`SOS warm-up press answered ${outcome.status || outcome.error}: ${outcome.body.slice(0, 200)}`);
    this.warmUpAlertId = (JSON.parse(outcome.body) as { alertId: number }).alertId;
  }

  /** One press a second, starting half a second into the window, each on a different patrol. */
  async run(durationS: number): Promise<void> {
    const candidates = mostWatched(this.ctx).slice(0, Math.max(1, Math.floor(durationS)));
    const start = monotonicMs();
    await Promise.all(
      candidates.map(async ({ patrol }, i) => {
        await sleep(start + (i + 0.5) * 1_000 - monotonicMs());
        const sentAt = monotonicMs();
        const outcome = await this.device.request("POST", `/api/patrols/${patrol.patrolId}/sos`, undefined, { authorization: `Bearer ${patrol.token}` });
        const answeredAt = monotonicMs();
        const alertId = outcome.status === 201 ? ((JSON.parse(outcome.body) as { alertId?: number }).alertId ?? null) : null;
        this.presses.push({ patrol, sentAt, answeredAt, status: outcome.status, alertId });
      }),
    );
  }

  received(collected: Collected): void {
    this.alerts = collected.alerts;
    this.outOfScope = collected.clients.reduce((a, c) => a + c.alertOutOfScope, 0);
  }

  /** Resolves every alert the drill raised (as the seeded admin) and returns the report. */
  async finish(adminEmail: string, password: string): Promise<SosReport> {
    this.device.close();
    const cookie = await signIn(this.baseUrl, adminEmail, password);
    let resolved = 0;
    for (const alertId of this.presses.map((p) => p.alertId)) {
      if (alertId === null) continue;
      if (await resolveAlert(this.baseUrl, cookie, alertId)) resolved++;
    }
    if (this.warmUpAlertId !== null) await resolveAlert(this.baseUrl, cookie, this.warmUpAlertId);
    return { ...this.join(), resolved };
  }

  private join(): Omit<SosReport, "resolved"> {
    const byAlert = new Map(this.presses.filter((p) => p.alertId !== null).map((p) => [p.alertId!, p]));
    const visibleSets = [...this.ctx.visible.values()];
    const covering = [...byAlert.values()].map((p) => visibleSets.filter((visible) => visible.has(p.patrol.patrolId)).length);
    const latencies: number[] = [];
    let duplicates = 0;
    for (const f of this.alerts) {
      const visible = this.ctx.visible.get(f.clientId) ?? new Set<number>();
      const seen = new Set<number>();
      for (let i = 0; i < f.alertIds.length; i++) {
        const press = byAlert.get(f.alertIds[i]!);
        if (!press || !visible.has(press.patrol.patrolId)) continue;
        if (seen.has(press.alertId!)) {
          duplicates++;
          continue;
        }
        seen.add(press.alertId!);
        latencies.push(f.receivedAt[i]! - press.sentAt);
      }
    }
    const errors: Record<string, number> = {};
    for (const p of this.presses) if (p.status !== 201) errors[String(p.status)] = (errors[String(p.status)] ?? 0) + 1;
    return {
      presses: this.presses.length,
      raised: byAlert.size,
      errors,
      latencyMs: percentiles(latencies),
      httpResponseMs: percentiles(this.presses.map((p) => p.answeredAt - p.sentAt)),
      expected: covering.reduce((a, b) => a + b, 0),
      delivered: latencies.length,
      coveringDashboards: { min: covering.length ? Math.min(...covering) : 0, max: covering.length ? Math.max(...covering) : 0 },
      outOfScope: this.outOfScope,
      duplicates,
    };
  }
}

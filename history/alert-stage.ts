import type { RedisClient } from "../lib/redis/client";
import type { Logger } from "pino";
import { publishAlert, readOpenAlerts } from "../lib/alerts/publish-alert";
import { raiseAlert, type RaiseAlert } from "../lib/alerts/raise-alert";
import { AlertRules, type Jurisdiction } from "../lib/alerts/rules";
import { resolveBySystem } from "../lib/alerts/resolve-by-system";
import { Prisma, prisma } from "../lib/db";
import { compileBoundary, type BoundaryPolygon } from "../lib/geo/polygon";
import type { PositionRow } from "../lib/history/position-row";
import { activePatrolIds, readPatrolViews } from "../lib/patrols/read-patrols";
import type { AlertKind, PatrolMeta } from "../lib/realtime/protocol";
import type { HistoryMetrics } from "./metrics";

/** The alert settings of the history process (history/config.ts). */
export interface AlertSettings {
  /** ALERT_OVERSPEED_KMH; 0 turns OVERSPEED off. */
  overspeedKmh: number;
  /** ALERT_SILENT_SECONDS; 0 turns SILENT off. */
  silentSeconds: number;
  redisPrefix: string;
}

/** How often the open alerts are re-read from `alerts:open` (a commander's resolve lets the same alert rise again after this): 2 s. */
const OPEN_REFRESH_MS = 2_000;
/** How often station boundaries are re-read from PostgreSQL (an admin's edit applies within this): 30 s. */
const BOUNDARY_REFRESH_MS = 30_000;
/** How long a patrol's meta is trusted before it is read again: 60 s. */
const META_TTL_MS = 60_000;
/** How often active patrols are checked for silence: 10 s (or half the limit, when shorter). */
const SILENT_CHECK_MS = 10_000;

/**
 * Server-side alerts, evaluated off the HTTP hot path: the history process hands each batch it stored to
 * `evaluate`, which runs the per-point rules (lib/alerts/rules.ts) and raises what they call for; `checkSilent`
 * runs on a timer. Zero SQL per point: metas and open alerts come from Redis (cached), boundaries from
 * PostgreSQL every 30 s, and PostgreSQL is written only when an alert is raised (or a SILENT one ends because
 * the unit reported again). A failure throws, so the batch is not acknowledged and comes back: raising is
 * idempotent (one unresolved alert per patrol and kind), so nothing is raised twice or lost.
 */
export class AlertStage {
  private readonly rules: AlertRules;
  /** `patrolId:kind` of every alert not yet resolved, as of the last refresh plus what we raised since. */
  private open = new Map<string, number>();
  private openReadAt = 0;
  private boundaries = new Map<number, Jurisdiction>();
  private boundariesReadAt = 0;
  private readonly metas = new Map<number, { meta: PatrolMeta; readAt: number }>();
  private lastSilentCheck = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly settings: AlertSettings,
    private readonly metrics: HistoryMetrics,
    private readonly log: Logger,
  ) {
    this.rules = new AlertRules(settings.overspeedKmh > 0 ? settings.overspeedKmh / 3.6 : null);
  }

  /** Runs the rules over a stored batch (stream order); `oldestEntryMs` is when its oldest point entered the stream. */
  async evaluate(rows: PositionRow[], oldestEntryMs: number, now = Date.now()): Promise<void> {
    if (rows.length === 0) return;
    await Promise.all([this.refreshOpen(now), this.refreshBoundaries(now), this.refreshMetas(rows, now)]);
    for (const row of rows) {
      const meta = this.metas.get(row.patrolId)?.meta;
      if (!meta) continue; // ended meanwhile: nothing to alert about
      const silent = this.open.has(key(row.patrolId, "SILENT"));
      if (silent && row.ts > Date.now() - this.settings.silentSeconds * 1000) await this.endSilence(row.patrolId);
      for (const v of this.rules.check(row, this.boundaries.get(meta.stationId) ?? null)) {
        await this.raise({ kind: v.kind, patrol: meta, lat: row.lat, lon: row.lon, detail: v.detail, at: new Date(row.ts) });
      }
    }
    this.metrics.alertPointsEvaluated.inc(rows.length);
    this.metrics.alertLag.set(Math.max(0, Date.now() - oldestEntryMs) / 1000);
  }

  /** Raises SILENT for every active patrol whose newest point (or start, before any) is older than the limit; every 10 s. */
  async checkSilent(now = Date.now()): Promise<void> {
    // Checked every 10 s, or twice per limit when the limit is shorter.
    const every = Math.min(SILENT_CHECK_MS, this.settings.silentSeconds * 500);
    if (this.settings.silentSeconds <= 0 || now - this.lastSilentCheck < every) return;
    this.lastSilentCheck = now;
    const { redisPrefix: prefix } = this.settings;
    await this.refreshOpen(now);
    const views = await readPatrolViews(this.redis, prefix, await activePatrolIds(this.redis, prefix, { level: "city", id: null }));
    const limitMs = this.settings.silentSeconds * 1000;
    for (const v of views) {
      const lastAt = v.last?.ts ?? v.startedAt;
      if (now - lastAt <= limitMs || this.open.has(key(v.patrolId, "SILENT"))) continue;
      await this.raise({
        kind: "SILENT",
        patrol: v,
        lat: v.last?.lat ?? null,
        lon: v.last?.lon ?? null,
        detail: { silentSeconds: Math.round((now - lastAt) / 1000), lastPointAt: v.last?.ts ?? null },
      });
    }
  }

  private async raise(input: RaiseAlert): Promise<void> {
    const k = key(input.patrol.patrolId, input.kind);
    if (this.open.has(k)) return;
    const { alert, created } = await raiseAlert(prisma, input);
    // Published even when it existed: a batch retried after a Redis failure announces what the first try could not.
    await publishAlert(this.redis, this.settings.redisPrefix, alert);
    this.open.set(k, alert.alertId);
    if (created) {
      this.metrics.alertsRaised.inc({ kind: input.kind });
      this.log.info({ alertId: alert.alertId, kind: alert.kind, patrolId: alert.patrolId, callSign: alert.callSign }, "alert raised");
    }
  }

  /** The unit reported again: its SILENT alert resolves itself ("system"), announced like a commander's resolve. */
  private async endSilence(patrolId: number): Promise<void> {
    await resolveBySystem(prisma, this.redis, this.settings.redisPrefix, patrolId, ["SILENT"]);
    this.open.delete(key(patrolId, "SILENT"));
  }

  private async refreshOpen(now: number): Promise<void> {
    if (now - this.openReadAt < OPEN_REFRESH_MS) return;
    const alerts = await readOpenAlerts(this.redis, this.settings.redisPrefix);
    this.open = new Map(alerts.map((a) => [key(a.patrolId, a.kind), a.alertId]));
    this.openReadAt = now;
  }

  private async refreshBoundaries(now: number): Promise<void> {
    if (now - this.boundariesReadAt < BOUNDARY_REFRESH_MS) return;
    const stations = await prisma.station.findMany({
      where: { boundary: { not: Prisma.DbNull } },
      select: { id: true, name: true, boundary: true },
    });
    const next = new Map<number, Jurisdiction>();
    for (const s of stations) {
      try {
        next.set(s.id, { stationId: s.id, stationName: s.name, inside: compileBoundary(s.boundary as unknown as BoundaryPolygon) });
      } catch (err) {
        this.log.warn({ stationId: s.id, err: String(err) }, "station boundary unusable; LEFT_JURISDICTION off for it");
      }
    }
    this.boundaries = next;
    this.boundariesReadAt = now;
  }

  /** Reads, in one pipeline, the metas of the batch's patrols not cached (or cached too long); forgets ended ones. */
  private async refreshMetas(rows: PositionRow[], now: number): Promise<void> {
    const wanted = [...new Set(rows.map((r) => r.patrolId))].filter((id) => {
      const cached = this.metas.get(id);
      return !cached || now - cached.readAt > META_TTL_MS;
    });
    if (wanted.length === 0) return;
    const views = await readPatrolViews(this.redis, this.settings.redisPrefix, wanted);
    const found = new Set(views.map((v) => v.patrolId));
    for (const v of views) this.metas.set(v.patrolId, { meta: v, readAt: now });
    for (const id of wanted) {
      if (found.has(id)) continue;
      this.metas.delete(id);
      this.rules.forget(id);
    }
  }
}

function key(patrolId: number, kind: AlertKind): string {
  return `${patrolId}:${kind}`;
}

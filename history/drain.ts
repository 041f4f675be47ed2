import type { RedisClient } from "../lib/redis/client";
import type { Logger } from "pino";
import { prisma } from "../lib/db";
import type { PositionRow } from "../lib/history/position-row";
import { HISTORY_GROUP, historyStreamKey } from "../lib/redis/keys";
import type { AlertStage } from "./alert-stage";
import type { HistoryConfig } from "./config";
import type { HistoryMetrics } from "./metrics";
import { dayStart, retentionCutoff, type PositionPartitions } from "./partitions";


/** A stream entry as ioredis returns it: id and flat field list, or null fields when it was trimmed meanwhile. */
type RawEntry = [id: string, fields: string[] | null];

/** Longest a read waits for new points before the loop looks at its other duties: 1 s. */
const BLOCK_MS = 1_000;
/** Longest pause between retries of a batch that could not be stored: 5 s (starting at 250 ms). */
const MAX_BACKOFF_MS = 5_000;
/** How often retention runs and tomorrow's partitions are made sure of: hourly. */
const MAINTENANCE_EVERY_MS = 3_600_000;

/** Reads a stream entry's fields (`v` vehicle id, `f` TELEMETRY frame) into a row; null when it is not a valid point. */
export function rowOfEntry(fields: string[]): PositionRow | null {
  let vehicle: string | undefined;
  let frame: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === "v") vehicle = fields[i + 1];
    else if (fields[i] === "f") frame = fields[i + 1];
  }
  if (vehicle === undefined || frame === undefined) return null;
  try {
    const f = JSON.parse(frame) as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
    const row: PositionRow = {
      patrolId: num(f.patrolId) ?? NaN,
      vehicleId: Number(vehicle),
      ts: num(f.ts) ?? NaN,
      lat: num(f.lat) ?? NaN,
      lon: num(f.lon) ?? NaN,
      speed: num(f.speed),
      heading: num(f.heading),
      accuracy: num(f.accuracy),
    };
    const ok = [row.patrolId, row.vehicleId, row.ts].every(Number.isSafeInteger) && Number.isFinite(row.lat) && Number.isFinite(row.lon);
    return ok ? row : null;
  } catch {
    return null;
  }
}

/**
 * Stores rows in one multi-row INSERT (one transaction); a row already stored (same patrol and ts: a
 * redelivered batch) is skipped. Returns how many rows were new. The partitions of their days must exist.
 */
export async function insertPositions(rows: PositionRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <K extends keyof PositionRow>(k: K) => rows.map((r) => r[k]);
  return prisma.$executeRawUnsafe(
    `INSERT INTO "positions" ("patrolId", "vehicleId", "ts", "lat", "lon", "speed", "heading", "accuracy")
     SELECT p, v, 'epoch'::timestamptz + t * interval '1 millisecond', la, lo, s, h, a
     FROM unnest($1::int4[], $2::int4[], $3::int8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[])
       AS u(p, v, t, la, lo, s, h, a)
     ON CONFLICT DO NOTHING`,
    col("patrolId"),
    col("vehicleId"),
    col("ts"),
    col("lat"),
    col("lon"),
    col("speed"),
    col("heading"),
    col("accuracy"),
  );
}

/**
 * Drains `history:points` into PostgreSQL as one consumer of the `history`
 * group: reads a batch, stores it in one INSERT, and only then acknowledges
 * and deletes its entries, so a crash at any point redelivers the batch (and
 * the primary key makes the second write a no-op). Its own unacknowledged
 * entries are read again first after a restart or a failed write; entries a
 * crashed consumer left pending longer than `claimIdleMs` are taken over.
 */
export class HistoryDrain {
  private readonly key: string;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private ownPendingFirst = true;
  private lastClaimAt = 0;
  private lastMaintenanceAt = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly config: HistoryConfig,
    private readonly partitions: PositionPartitions,
    private readonly metrics: HistoryMetrics,
    private readonly log: Logger,
    /** The alert rules, run over each stored batch before it is acknowledged (none: history only). */
    private readonly alerts: AlertStage | null = null,
  ) {
    this.key = historyStreamKey(config.redisPrefix);
  }

  /** Starts the drain loop (creating the consumer group if needed); resolves once it runs. */
  async start(): Promise<void> {
    await this.ensureGroup();
    this.loop = this.run();
  }

  /** Finishes the batch in hand and stops reading; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  /** Points in the stream not yet stored and the age of the oldest, from the stream's ids (Redis time of XADD). */
  async backlog(now = Date.now()): Promise<{ points: number; oldestAgeMs: number }> {
    const [points, oldest] = await Promise.all([this.redis.xlen(this.key), this.redis.xrange(this.key, "-", "+", "COUNT", 1)]);
    const id = oldest[0]?.[0];
    return { points, oldestAgeMs: id ? Math.max(0, now - Number(id.split("-")[0])) : 0 };
  }

  private async ensureGroup(): Promise<void> {
    try {
      // From the start of the stream: points accepted before the group existed are stored too.
      await this.redis.xgroup("CREATE", this.key, HISTORY_GROUP, "0", "MKSTREAM");
    } catch (err) {
      if (!/BUSYGROUP/.test(String(err))) throw err;
    }
  }

  private async run(): Promise<void> {
    let backoffMs = 0;
    while (!this.stopping) {
      try {
        await this.maintain();
        await this.alerts?.checkSilent();
        const entries = await this.nextEntries();
        if (entries.length > 0) await this.store(entries);
        backoffMs = 0;
      } catch (err) {
        this.metrics.failures.inc();
        this.ownPendingFirst = true;
        backoffMs = Math.min(Math.max(backoffMs * 2, 250), MAX_BACKOFF_MS);
        this.log.warn({ err: String(err), retryInMs: backoffMs }, "could not store a history batch; retrying");
        if (/NOGROUP/.test(String(err))) await this.ensureGroup().catch(() => undefined); // Redis restarted empty
        await sleep(backoffMs);
      }
    }
  }

  /** Retention and partitions ahead of need, hourly (also at start). */
  private async maintain(now = Date.now()): Promise<void> {
    if (now - this.lastMaintenanceAt < MAINTENANCE_EVERY_MS) return;
    await this.partitions.ensureAhead(now);
    const dropped = await this.partitions.dropExpired(this.config.retentionDays, now);
    if (dropped.length > 0) this.log.info({ dropped }, "dropped expired position partitions");
    this.lastMaintenanceAt = now;
  }

  /** Own pending entries first (after a restart or failure), then a crashed consumer's, then new ones. */
  private async nextEntries(): Promise<RawEntry[]> {
    const count = this.config.batchSize;
    if (this.ownPendingFirst) {
      const own = await this.read("0", count, null);
      if (own.length > 0) return own;
      this.ownPendingFirst = false;
    }
    const now = Date.now();
    if (now - this.lastClaimAt >= Math.min(this.config.claimIdleMs, 5_000)) {
      this.lastClaimAt = now;
      const claimed = await this.claim(count);
      if (claimed.length > 0) return claimed;
    }
    const fresh = await this.read(">", count, BLOCK_MS);
    if (fresh.length === 0 || fresh.length >= count || this.config.lingerMs === 0 || this.stopping) return fresh;
    // A partial batch: let more points arrive, so a low rate does not cost one INSERT per point.
    await sleep(this.config.lingerMs);
    return [...fresh, ...(await this.read(">", count - fresh.length, null))];
  }

  private async read(from: "0" | ">", count: number, blockMs: number | null): Promise<RawEntry[]> {
    const { consumer } = this.config;
    const reply = (
      blockMs === null
        ? await this.redis.xreadgroup("GROUP", HISTORY_GROUP, consumer, "COUNT", count, "STREAMS", this.key, from)
        : await this.redis.xreadgroup("GROUP", HISTORY_GROUP, consumer, "COUNT", count, "BLOCK", blockMs, "STREAMS", this.key, from)
    ) as [string, RawEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  private async claim(count: number): Promise<RawEntry[]> {
    const [, entries, deleted] = (await this.redis.xautoclaim(
      this.key, HISTORY_GROUP, this.config.consumer, this.config.claimIdleMs, "0-0", "COUNT", count,
    )) as [string, RawEntry[], string[]?];
    // Redis 7 also lists entries trimmed while pending (6.2 has no third element).
    if (deleted && deleted.length > 0) {
      // Trimmed past the stream's bound while another consumer held them: gone before anyone stored them.
      await this.redis.xack(this.key, HISTORY_GROUP, ...deleted);
      this.metrics.lost.inc(deleted.length);
      this.log.error({ points: deleted.length }, "points were trimmed from the history stream before they were stored");
    }
    if (entries.length > 0) this.log.info({ points: entries.length }, "took over points another consumer left pending");
    return entries;
  }

  private async store(entries: RawEntry[]): Promise<void> {
    const cutoff = retentionCutoff(this.config.retentionDays, Date.now());
    const rows: PositionRow[] = [];
    let lost = 0;
    let malformed = 0;
    let expired = 0;
    for (const [id, fields] of entries) {
      if (fields === null) {
        lost++;
        continue;
      }
      const row = rowOfEntry(fields);
      if (row === null) {
        malformed++;
        this.log.warn({ id }, "dropped a history stream entry that is not a point");
      } else if (row.ts < cutoff) expired++;
      else rows.push(row);
    }
    await this.partitions.ensure(rows.map((r) => dayStart(r.ts)));
    const inserted = await insertPositions(rows);
    const ids = entries.map(([id]) => id);
    // Stored first, evaluated second, acknowledged last: a failure in either brings the batch back whole.
    if (this.alerts) await this.alerts.evaluate(rows, ids.reduce((oldest, id) => Math.min(oldest, entryTimeMs(id)), Infinity));
    await this.redis.multi().xack(this.key, HISTORY_GROUP, ...ids).xdel(this.key, ...ids).exec();
    this.metrics.stored.inc(inserted);
    this.metrics.duplicates.inc(rows.length - inserted);
    this.metrics.batchSize.observe(rows.length);
    if (lost > 0) {
      this.metrics.lost.inc(lost);
      this.log.error({ points: lost }, "points were trimmed from the history stream before they were stored");
    }
    if (malformed > 0) this.metrics.malformed.inc(malformed);
    if (expired > 0) this.metrics.expired.inc(expired);
  }
}

/** When a stream entry was added (the milliseconds part of its id). */
function entryTimeMs(id: string): number {
  return Number(id.split("-")[0]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

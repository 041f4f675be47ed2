import type { Logger } from "pino";
import { prisma } from "../lib/db";
import type { PositionRow } from "../lib/history/position-row";
import { keyHolders, type RedisClient } from "../lib/redis/client";
import { clusterLayout, HISTORY_GROUP, historyStreamKey, historyStreamScanPattern, scopeSetKey } from "../lib/redis/keys";
import type { AlertStage } from "./alert-stage";
import type { HistoryConfig } from "./config";
import type { HistoryMetrics } from "./metrics";
import { dayStart, retentionCutoff, type PositionPartitions } from "./partitions";


/** A stream entry as ioredis returns it: id and flat field list, or null fields when it was trimmed meanwhile. */
type RawEntry = [id: string, fields: string[] | null];

/** Entries read from one stream (under Redis Cluster, one patrol's). */
interface StreamEntries {
  key: string;
  entries: RawEntry[];
}

/** Longest a read waits for new points before the loop looks at its other duties: 1 s. */
const BLOCK_MS = 1_000;
/** Longest pause between retries of a batch that could not be stored: 5 s (starting at 250 ms). */
const MAX_BACKOFF_MS = 5_000;
/** How often retention runs and tomorrow's partitions are made sure of: hourly. */
const MAINTENANCE_EVERY_MS = 3_600_000;
/**
 * Redis Cluster: pause after a round over every patrol's streams found nothing new (there is no blocking read across
 * slots): 200 ms, doubling with each empty round up to CLUSTER_POLL_MAX_MS, back to 200 ms once points come. An idle
 * fleet then costs one XREADGROUP per active patrol a second, and a point waits at most a second more for PostgreSQL.
 */
const CLUSTER_POLL_MS = 200;
const CLUSTER_POLL_MAX_MS = 1_000;
/** Redis Cluster: how often every master is scanned for streams of patrols no longer active (points still to store): 30 s. */
const CLUSTER_SCAN_EVERY_MS = 30_000;
/** Redis Cluster: streams read at once (one XREADGROUP each, auto-pipelined per master): 64. */
const CLUSTER_READ_CHUNK = 64;

/**
 * Deletes a drained stream of a patrol that ended: only when it holds no entry and none is pending, atomically (a late
 * XADD would recreate it, and the next discovery would create the group again from its start).
 */
const DELETE_IF_DRAINED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('XLEN', KEYS[1]) > 0 then return 0 end
local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
if ok and tonumber(pending[1]) > 0 then return 0 end
return redis.call('DEL', KEYS[1])`;

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
 *
 * Under Redis Cluster each patrol has its own stream `history:{id}` (the ingest script may touch one slot only): the
 * drain reads the streams of the active patrols (the city set, each round) and of ended ones with points left (a
 * SCAN of every master, every 30 s and at start), one non-blocking XREADGROUP per stream, and deletes a stream once
 * its patrol ended and it is drained.
 */
export class HistoryDrain {
  /** Single Redis: the one stream. */
  private readonly key: string | null;
  /** Redis Cluster: every patrol stream known to hold, or to be about to hold, points; and those whose group exists. */
  private readonly streams = new Set<string>();
  private readonly grouped = new Set<string>();
  private lastScanAt = 0;
  /** Redis Cluster: where the next round over the streams starts, so every stream gets its turn under load. */
  private turn = 0;
  /** Redis Cluster: rounds in a row that found nothing new (the poll backs off). */
  private emptyRounds = 0;
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
    this.key = clusterLayout ? null : historyStreamKey(config.redisPrefix);
  }

  /** Starts the drain loop (creating the consumer group if needed); resolves once it runs. */
  async start(): Promise<void> {
    if (this.key) await this.ensureGroup(this.key);
    else await this.discoverStreams(true);
    this.loop = this.run();
  }

  /** Finishes the batch in hand and stops reading; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  /** Points in the stream(s) not yet stored and the age of the oldest, from the streams' ids (Redis time of XADD). */
  async backlog(now = Date.now()): Promise<{ points: number; oldestAgeMs: number }> {
    const keys = this.key ? [this.key] : [...this.streams];
    const each = await Promise.all(keys.map((key) => Promise.all([this.redis.xlen(key), this.redis.xrange(key, "-", "+", "COUNT", 1)])));
    let points = 0;
    let oldestMs = Infinity;
    for (const [length, oldest] of each) {
      points += length;
      const id = oldest[0]?.[0];
      if (id) oldestMs = Math.min(oldestMs, entryTimeMs(id));
    }
    return { points, oldestAgeMs: Number.isFinite(oldestMs) ? Math.max(0, now - oldestMs) : 0 };
  }

  private async ensureGroup(key: string): Promise<void> {
    try {
      // From the start of the stream: points accepted before the group existed are stored too.
      await this.redis.xgroup("CREATE", key, HISTORY_GROUP, "0", "MKSTREAM");
    } catch (err) {
      if (!/BUSYGROUP/.test(String(err))) throw err;
    }
    this.grouped.add(key);
  }

  /**
   * Redis Cluster: learns the streams to read — the active patrols' (the city set) and, every CLUSTER_SCAN_EVERY_MS
   * or when `scan`, those every master holds (ended patrols with points not stored yet) — creates their groups, and
   * deletes the drained streams of patrols that ended.
   */
  private async discoverStreams(scan = false, now = Date.now()): Promise<void> {
    const prefix = this.config.redisPrefix;
    const active = new Set((await this.redis.smembers(scopeSetKey(prefix, { level: "city", id: null }))).map((id) => historyStreamKey(prefix, Number(id))));
    for (const key of active) this.streams.add(key);
    if (scan || now - this.lastScanAt >= CLUSTER_SCAN_EVERY_MS) {
      const pattern = historyStreamScanPattern(prefix);
      for (const master of keyHolders(this.redis)) {
        let cursor = "0";
        do {
          const [next, keys] = await master.scan(cursor, "MATCH", pattern, "COUNT", 1_000, "TYPE", "stream");
          for (const key of keys) this.streams.add(key);
          cursor = next;
        } while (cursor !== "0");
      }
      this.lastScanAt = now;
      // Ended patrols whose streams are drained: delete them, so keys do not pile up with every patrol ever run.
      const ended = [...this.streams].filter((key) => !active.has(key));
      const deleted = await Promise.all(ended.map((key) => this.redis.eval(DELETE_IF_DRAINED, 1, key, HISTORY_GROUP) as Promise<number>));
      ended.forEach((key, i) => {
        if (deleted[i] !== 1) return;
        this.streams.delete(key);
        this.grouped.delete(key);
      });
    }
    await Promise.all([...this.streams].filter((key) => !this.grouped.has(key)).map((key) => this.ensureGroup(key)));
  }

  private async run(): Promise<void> {
    let backoffMs = 0;
    while (!this.stopping) {
      try {
        await this.maintain();
        await this.alerts?.checkSilent();
        if (!this.key) await this.discoverStreams();
        const batch = await this.nextEntries();
        if (batch.length > 0) await this.store(batch);
        backoffMs = 0;
      } catch (err) {
        this.metrics.failures.inc();
        this.ownPendingFirst = true;
        backoffMs = Math.min(Math.max(backoffMs * 2, 250), MAX_BACKOFF_MS);
        this.log.warn({ err: String(err), retryInMs: backoffMs }, "could not store a history batch; retrying");
        if (/NOGROUP/.test(String(err))) {
          // Redis (or, under Redis Cluster, a shard) restarted empty: create the group(s) again.
          this.grouped.clear();
          if (this.key) await this.ensureGroup(this.key).catch(() => undefined);
          else this.lastScanAt = 0;
        }
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
  private async nextEntries(): Promise<StreamEntries[]> {
    const count = this.config.batchSize;
    if (this.ownPendingFirst) {
      const own = await this.readAll("0", count);
      if (own.length > 0) return own;
      this.ownPendingFirst = false;
    }
    const now = Date.now();
    if (now - this.lastClaimAt >= Math.min(this.config.claimIdleMs, 5_000)) {
      this.lastClaimAt = now;
      const claimed = await this.each(count, (key, n) => this.claim(key, n));
      if (claimed.length > 0) return claimed;
    }
    const fresh = this.key ? await this.readOne(this.key, ">", count, BLOCK_MS) : await this.readAll(">", count);
    if (!this.key) {
      this.emptyRounds = fresh.length === 0 ? this.emptyRounds + 1 : 0;
      if (this.emptyRounds > 0 && !this.stopping) await sleep(Math.min(CLUSTER_POLL_MS * 2 ** (this.emptyRounds - 1), CLUSTER_POLL_MAX_MS));
    }
    const got = total(fresh);
    if (got === 0 || got >= count || this.config.lingerMs === 0 || this.stopping) return fresh;
    // A partial batch: let more points arrive, so a low rate does not cost one INSERT per point.
    await sleep(this.config.lingerMs);
    return [...fresh, ...(await this.readAll(">", count - got))];
  }

  /** Non-blocking reads of up to about `count` entries from `from` (own pending "0", or new ">") across the stream(s). */
  private readAll(from: "0" | ">", count: number): Promise<StreamEntries[]> {
    return this.each(count, (key, n) => this.readOne(key, from, n, null));
  }

  /**
   * Runs `take` over the stream(s) until about `count` entries came back: the one stream, or, under Redis Cluster,
   * each patrol's in chunks of CLUSTER_READ_CHUNK from a turn that rotates (a chunk may overshoot `count` a little:
   * what was read is pending and must be stored with the batch).
   */
  private async each(count: number, take: (key: string, count: number) => Promise<StreamEntries[]>): Promise<StreamEntries[]> {
    if (this.key) return take(this.key, count);
    const keys = [...this.grouped];
    const out: StreamEntries[] = [];
    const perStream = Math.max(1, Math.ceil(count / 16));
    const start = keys.length ? this.turn++ % keys.length : 0;
    const ordered = [...keys.slice(start), ...keys.slice(0, start)];
    for (let i = 0; i < ordered.length && total(out) < count; i += CLUSTER_READ_CHUNK) {
      const chunk = ordered.slice(i, i + CLUSTER_READ_CHUNK);
      for (const got of await Promise.all(chunk.map((key) => take(key, perStream).catch((err: unknown) => this.streamFailed(key, err))))) out.push(...got);
    }
    return out;
  }

  /** Under Redis Cluster a stream whose shard lost it (restarted empty) or is failing over is skipped this round. */
  private streamFailed(key: string, err: unknown): StreamEntries[] {
    if (/NOGROUP/.test(String(err))) this.grouped.delete(key);
    else this.log.warn({ err: String(err), stream: key }, "could not read a history stream; retrying at the next round");
    return [];
  }

  private async readOne(key: string, from: "0" | ">", count: number, blockMs: number | null): Promise<StreamEntries[]> {
    const { consumer } = this.config;
    const reply = (
      blockMs === null
        ? await this.redis.xreadgroup("GROUP", HISTORY_GROUP, consumer, "COUNT", count, "STREAMS", key, from)
        : await this.redis.xreadgroup("GROUP", HISTORY_GROUP, consumer, "COUNT", count, "BLOCK", blockMs, "STREAMS", key, from)
    ) as [string, RawEntry[]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    return entries.length ? [{ key, entries }] : [];
  }

  private async claim(key: string, count: number): Promise<StreamEntries[]> {
    const [, entries, deleted] = (await this.redis.xautoclaim(
      key, HISTORY_GROUP, this.config.consumer, this.config.claimIdleMs, "0-0", "COUNT", count,
    )) as [string, RawEntry[], string[]?];
    // Redis 7 also lists entries trimmed while pending (6.2 has no third element).
    if (deleted && deleted.length > 0) {
      // Trimmed past the stream's bound while another consumer held them: gone before anyone stored them.
      await this.redis.xack(key, HISTORY_GROUP, ...deleted);
      this.metrics.lost.inc(deleted.length);
      this.log.error({ points: deleted.length }, "points were trimmed from the history stream before they were stored");
    }
    if (entries.length > 0) this.log.info({ points: entries.length }, "took over points another consumer left pending");
    return entries.length ? [{ key, entries }] : [];
  }

  private async store(batch: StreamEntries[]): Promise<void> {
    const entries = batch.flatMap((b) => b.entries);
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
    // Stored first, evaluated second, acknowledged last: a failure in either brings the batch back whole.
    if (this.alerts) await this.alerts.evaluate(rows, entries.reduce((oldest, [id]) => Math.min(oldest, entryTimeMs(id)), Infinity));
    // One MULTI per stream (under Redis Cluster each in its patrol's slot).
    await Promise.all(
      batch.map(({ key, entries: own }) => {
        const ids = own.map(([id]) => id);
        return this.redis.multi().xack(key, HISTORY_GROUP, ...ids).xdel(key, ...ids).exec();
      }),
    );
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

/** Entries in `batch`. */
function total(batch: StreamEntries[]): number {
  return batch.reduce((n, b) => n + b.entries.length, 0);
}

/** When a stream entry was added (the milliseconds part of its id). */
function entryTimeMs(id: string): number {
  return Number(id.split("-")[0]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

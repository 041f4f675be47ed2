import { prisma } from "../lib/db";

/**
 * Daily range partitions of `positions` (UTC days). PostgreSQL refuses a row
 * with no partition for its `ts`, so the writer makes sure the partitions of a
 * batch exist before inserting it, and the process creates today's and the
 * next days' ahead of need. Retention drops whole partitions: no long DELETE,
 * no table bloat, no vacuum debt.
 */

/** One UTC day in milliseconds. */
export const DAY_MS = 86_400_000;

/** Days created ahead of need (today plus this many): 2, so a partition exists well before midnight. */
export const PARTITIONS_AHEAD_DAYS = 2;

/** Serialises partition DDL between history consumers (creating one concurrently would fail on the second). */
const PARTITION_DDL_LOCK = 0x53_48_50_41; // "SHPA"

const PARTITION_NAME = /^positions_p(\d{4})(\d{2})(\d{2})$/;

/** Start (epoch ms) of the UTC day holding `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Name of the partition holding the UTC day starting at `dayMs`: `positions_p20261130`. */
export function partitionName(dayMs: number): string {
  return `positions_p${new Date(dayMs).toISOString().slice(0, 10).replaceAll("-", "")}`;
}

/**
 * Oldest `ts` still kept at `now` with `retentionDays` of retention: the start of the oldest day whose
 * partition is not yet due to be dropped. Points older than this are not stored (they would go at once).
 */
export function retentionCutoff(retentionDays: number, now: number): number {
  // The day holding `now - retention` still has younger points, so it stays until the next day starts.
  return dayStart(now - retentionDays * DAY_MS);
}

/** Creates and drops the daily partitions of `positions`, remembering which exist so a batch costs no DDL. */
export class PositionPartitions {
  private readonly known = new Set<number>();

  /** Makes sure a partition exists for each UTC day start in `days`. */
  async ensure(days: Iterable<number>): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.known.has(d));
    if (missing.length === 0) return;
    await prisma.$transaction([
      prisma.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${PARTITION_DDL_LOCK})`),
      ...missing.map((d) =>
        prisma.$executeRawUnsafe(
          `CREATE TABLE IF NOT EXISTS "${partitionName(d)}" PARTITION OF "positions" ` +
            `FOR VALUES FROM ('${new Date(d).toISOString()}') TO ('${new Date(d + DAY_MS).toISOString()}')`,
        ),
      ),
    ]);
    for (const d of missing) this.known.add(d);
  }

  /** Creates today's partition and the next `PARTITIONS_AHEAD_DAYS` days' (UTC). */
  ensureAhead(now = Date.now()): Promise<void> {
    const today = dayStart(now);
    return this.ensure(Array.from({ length: PARTITIONS_AHEAD_DAYS + 1 }, (_, i) => today + i * DAY_MS));
  }

  /** Drops every partition wholly older than `retentionDays` at `now`; returns the names dropped. */
  async dropExpired(retentionDays: number, now = Date.now()): Promise<string[]> {
    const cutoff = retentionCutoff(retentionDays, now);
    const expired = (await listPartitions()).filter((p) => p.dayMs < cutoff);
    for (const p of expired) {
      await prisma.$transaction([
        prisma.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${PARTITION_DDL_LOCK})`),
        prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS "${p.name}"`),
      ]);
      this.known.delete(p.dayMs);
    }
    return expired.map((p) => p.name);
  }
}

/** The partitions of `positions` that follow the daily naming, with the UTC day each holds. */
export async function listPartitions(): Promise<{ name: string; dayMs: number }[]> {
  const rows = await prisma.$queryRawUnsafe<{ name: string }[]>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"positions"'::regclass`,
  );
  return rows.flatMap(({ name }) => {
    const m = PARTITION_NAME.exec(name);
    return m ? [{ name, dayMs: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) }] : [];
  });
}

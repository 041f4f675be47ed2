import pg from "pg";
import { sleep } from "../test/support/load/clock";

/**
 * SQL work done in the benchmark's database over a window, from PostgreSQL's
 * cumulative statistics (pg_stat_statements is not loaded on every machine).
 *
 * Every statement runs in a transaction — its own when outside a block — so
 * "transactions committed + rolled back" bounds the statements from above:
 * a delta of 0 proves no statement completed. Backends publish their counters
 * at most once a second while busy and within 10 s once idle
 * (PGSTAT_IDLE_INTERVAL), so a window must start and end at least
 * `SQL_STATS_FLUSH_MS` after the SQL activity it must include or exclude.
 */

/** Wait for PostgreSQL's statistics to be published: 11 s (its idle flush interval is 10 s). */
export const SQL_STATS_FLUSH_MS = 11_000;

/** Counters of one database (pg_stat_database). */
export interface DatabaseCounters {
  transactions: number;
  rowsReturned: number;
  rowsFetched: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
}

/** Counters summed over the database's tables (pg_stat_user_tables). */
export interface TableCounters {
  /** Sequential plus index scans started by statements. */
  scans: number;
  /** Autovacuum and autoanalyze runs (background work, not statements). */
  maintenance: number;
}

/** What changed over a window. */
export interface SqlDelta extends DatabaseCounters, TableCounters {
  windowS: number;
}

function adminUrl(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  u.pathname = "/postgres";
  return u.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows[0]!;
  } finally {
    await client.end();
  }
}

// Read from the `postgres` database so the reading itself adds nothing to the benchmark database's counters.
async function databaseCounters(databaseUrl: string): Promise<DatabaseCounters> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const r = await query<Record<keyof DatabaseCounters, string>>(
    adminUrl(databaseUrl),
    `SELECT xact_commit + xact_rollback AS "transactions", tup_returned AS "rowsReturned", tup_fetched AS "rowsFetched",
            tup_inserted AS "rowsInserted", tup_updated AS "rowsUpdated", tup_deleted AS "rowsDeleted"
       FROM pg_stat_database WHERE datname = $1`,
    [name],
  );
  return {
    transactions: Number(r.transactions),
    rowsReturned: Number(r.rowsReturned),
    rowsFetched: Number(r.rowsFetched),
    rowsInserted: Number(r.rowsInserted),
    rowsUpdated: Number(r.rowsUpdated),
    rowsDeleted: Number(r.rowsDeleted),
  };
}

// pg_stat_user_tables only shows the current database's tables: this reading costs the database one transaction.
async function tableCounters(databaseUrl: string): Promise<TableCounters> {
  const r = await query<Record<keyof TableCounters, string>>(
    databaseUrl,
    `SELECT COALESCE(SUM(seq_scan + COALESCE(idx_scan, 0)), 0) AS "scans",
            COALESCE(SUM(autovacuum_count + autoanalyze_count), 0) AS "maintenance"
       FROM pg_stat_user_tables`,
  );
  return { scans: Number(r.scans), maintenance: Number(r.maintenance) };
}

/**
 * A window over the benchmark database's SQL counters. The table reading's
 * own transaction is kept outside the window: taken before the database
 * reading at the start, after it at the end.
 */
export class SqlWindow {
  private startedAt = 0;
  private db: DatabaseCounters | null = null;
  private tables: TableCounters | null = null;

  constructor(private readonly databaseUrl: string) {}

  /** Reads the counters at the start. */
  async start(): Promise<void> {
    this.tables = await tableCounters(this.databaseUrl);
    // The reading's backend publishes its transaction when it exits; give it a moment before the database reading.
    await sleep(300);
    this.db = await databaseCounters(this.databaseUrl);
    this.startedAt = performance.now();
  }

  /** Reads them at the end and returns the difference. */
  async stop(): Promise<SqlDelta> {
    const windowS = Math.round((performance.now() - this.startedAt) / 100) / 10;
    const db = await databaseCounters(this.databaseUrl);
    const tables = await tableCounters(this.databaseUrl);
    if (!this.db || !this.tables) throw new Error("SqlWindow.stop() before start()");
    const d = <T extends object>(a: T, b: T) =>
      Object.fromEntries(Object.keys(a).map((k) => [k, (b as Record<string, number>)[k]! - (a as Record<string, number>)[k]!])) as T;
    return { windowS, ...d(this.db, db), ...d(this.tables, tables) };
  }
}

/** Pids of the PostgreSQL backends connected to the benchmark database (the web tier's pool), for CPU accounting. */
export async function backendPids(databaseUrl: string): Promise<number[]> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const client = new pg.Client({ connectionString: adminUrl(databaseUrl) });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [name]);
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

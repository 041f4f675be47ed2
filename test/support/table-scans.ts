import pg from "pg";

/**
 * Counts scans of our tables by every PostgreSQL backend (`pg_stat_user_tables`): the "no SQL on the hot path"
 * tests read it before and after their requests. An idle backend flushes its counters within ~10 s, so wait
 * `flushWindow()` after the last request before reading.
 */
export async function tableScans(databaseUrl: string) {
  const stats = new pg.Client({ connectionString: databaseUrl });
  await stats.connect();
  return {
    async count(): Promise<number> {
      await stats.query("SELECT pg_stat_clear_snapshot()");
      const { rows } = await stats.query<{ n: string }>("SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) AS n FROM pg_stat_user_tables");
      return Number(rows[0]!.n);
    },
    flushWindow: () => new Promise<void>((r) => setTimeout(r, 11_000)),
    end: () => stats.end(),
  };
}

import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/** Prisma's advisory lock id: holding it keeps us and `prisma migrate deploy` from racing. */
const PRISMA_MIGRATE_LOCK = 72707369;

/** Default migrations folder: `prisma/migrations` beside the project root. */
export const MIGRATIONS_DIR = path.join(process.cwd(), "prisma", "migrations");

/** Raised when migrations cannot be applied; `code` is stable. */
export class MigrationError extends Error {
  constructor(
    readonly code: "MIGRATION_FAILED" | "MIGRATION_BLOCKED" | "MIGRATION_MODIFIED",
    message: string,
  ) {
    super(message);
  }
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies pending migrations in `dir` to `databaseUrl`, interchangeably with
 * `prisma migrate deploy` (same bookkeeping table, same lock, one transaction
 * per migration), without Prisma's downloaded schema engine.
 */
export async function applyMigrations(
  databaseUrl: string,
  dir = MIGRATIONS_DIR,
  onProgress: (line: string) => void = () => undefined,
): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        "MIGRATION_BLOCKED",
        `Migration ${failed.migration_name} failed earlier and blocks the others. Fix the database by hand, then mark it with ` +
          `\`npx prisma migrate resolve --rolled-back ${failed.migration_name}\` (or --applied) and run \`npm run db:migrate\` again.`,
      );
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort((a, b) => a.localeCompare(b));
    const applied: string[] = [];
    for (const name of names) {
      const sql = await readFile(path.join(dir, name, "migration.sql"));
      const checksum = createHash("sha256").update(sql).digest("hex");
      const previous = done.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) {
          onProgress(`warning: ${name} was modified after it was applied (checksum differs)`);
        }
        continue;
      }
      onProgress(`applying ${name}`);
      const id = randomUUID();
      try {
        await client.query("BEGIN");
        await client.query(sql.toString("utf8"));
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, clock_timestamp(), $3, 1)`,
          [id, checksum, name],
        );
        await client.query("COMMIT");
        applied.push(name);
      } catch (err) {
        await client.query("ROLLBACK");
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, applied_steps_count)
           VALUES ($1, $2, NULL, $3, $4, 0)`,
          [id, checksum, name, String(err)],
        );
        throw new MigrationError("MIGRATION_FAILED", `Migration ${name} failed and was rolled back: ${String(err)}`);
      }
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]).catch(() => undefined);
    await client.end();
  }
}

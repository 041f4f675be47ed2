// npm run db:migrate – apply pending migrations to DATABASE_URL.
import "dotenv/config";
import { env } from "../lib/env";
import { applyMigrations } from "../lib/migrate";
import { checkServices } from "./services";

async function main() {
  await checkServices({ redis: false });
  const result = await applyMigrations(env.DATABASE_URL, undefined, (line) => console.log(line));
  console.log(
    result.applied.length
      ? `Applied ${result.applied.length} migration(s); database is up to date.`
      : `Database is up to date (${result.alreadyApplied} migration(s) already applied).`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

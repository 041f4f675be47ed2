// npm run demo – start PostgreSQL and Redis if nothing answers (scripts/local-services.ts), migrate, seed the demo
// data, build if needed, start web, realtime, history and ~200 simulated vehicles.
import "dotenv/config";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { env } from "../lib/env";
import { LocalServiceError, startLocalServices } from "./local-services";
import { ROOT, runTogether, serverProcesses, simulatorProcess } from "./processes";
import { checkServices } from "./services";

function step(title: string, args: string[]): void {
  console.log(`\n▶ ${title}`);
  const r = spawnSync("npm", args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) {
    console.error(`✗ ${title} failed (npm ${args.join(" ")}).`);
    process.exit(r.status ?? 1);
  }
}

async function main() {
  let local;
  try {
    local = await startLocalServices({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });
  } catch (err) {
    if (!(err instanceof LocalServiceError)) throw err;
    console.error(`✗ ${err.message}`);
    process.exit(1);
  }
  await checkServices();
  step("Applying database migrations", ["run", "--silent", "db:migrate"]);
  step("Seeding the demo organisation, fleet and logins", ["run", "--silent", "db:seed", "demo"]);
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID")) || process.argv.includes("--rebuild")) {
    step("Building the web app (about a minute)", ["run", "--silent", "build"]);
  }
  const url = `http://localhost:${env.PORT}`;
  setTimeout(() => {
    console.log(
      `\n━━ Sentinel is running: open ${url} and sign in with one of the logins above ` +
        `(password "${env.DEMO_PASSWORD}"). Ctrl-C stops everything.\n`,
    );
  }, 2_000).unref();
  const code = await runTogether([...serverProcesses(env.PORT), simulatorProcess(200, 5, 10)]);
  // Last, once the servers (and the simulator's patrol stops) are done with them.
  if (local.started.length) console.log(`Stopping ${local.started.map((s) => s.name).join(" and ")} (data kept in ${local.started.map((s) => s.dataDir).join(", ")}).`);
  await local.stop();
  process.exit(code);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

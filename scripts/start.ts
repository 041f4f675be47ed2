// npm start – run the production server processes together (web, realtime, history); Ctrl-C stops them all.
// `npm start -- --only web,realtime` runs just those roles (one machine the web tier, another the realtime tier…).
import "dotenv/config";
import { existsSync } from "node:fs";
import path from "node:path";
import { env, usesInsecureDefaults } from "../lib/env";
import { ROOT, runTogether, serverProcesses } from "./processes";
import { checkServices } from "./services";
import { StartArgsError, parseStartArgs } from "./start-args";

async function main() {
  const all = serverProcesses(env.PORT);
  const { roles } = parseStartArgs(process.argv.slice(2), all.map((p) => p.name));
  if (roles.includes("web") && !existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    console.error("No production build: run `npm run build` first (or `npm run demo`, which builds).");
    process.exit(1);
  }
  // The realtime sidecar needs only Redis; the web server and the history writer need PostgreSQL too.
  await checkServices({ postgres: roles.includes("web") || roles.includes("history") });
  if (usesInsecureDefaults(env)) {
    console.warn("⚠ Using the built-in development secrets. Set NEXTAUTH_SECRET, VEHICLE_TOKEN_SECRET and REALTIME_TICKET_SECRET in production.");
  }
  const where: Record<string, string> = {
    web: `web on http://localhost:${env.PORT}`,
    realtime: `realtime on :${env.REALTIME_PORT}`,
    history: "history writer",
  };
  console.log(`Sentinel: ${roles.map((r) => where[r] ?? r).join(", ")}. Ctrl-C stops ${roles.length > 1 ? "all" : "it"}.`);
  process.exit(await runTogether(all.filter((p) => roles.includes(p.name))));
}

main().catch((err: unknown) => {
  if (err instanceof StartArgsError) {
    console.error(`✗ ${err.message}`);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

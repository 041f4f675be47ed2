// npm start – run the production server processes together (web, realtime, history); Ctrl-C stops them all.
import "dotenv/config";
import { existsSync } from "node:fs";
import path from "node:path";
import { env, usesInsecureDefaults } from "../lib/env";
import { ROOT, runTogether, serverProcesses } from "./processes";
import { checkServices } from "./services";

async function main() {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    console.error("No production build: run `npm run build` first (or `npm run demo`, which builds).");
    process.exit(1);
  }
  await checkServices();
  if (usesInsecureDefaults(env)) {
    console.warn("⚠ Using the built-in development secrets. Set NEXTAUTH_SECRET, VEHICLE_TOKEN_SECRET and REALTIME_TICKET_SECRET in production.");
  }
  console.log(`Sentinel: web on http://localhost:${env.PORT}, realtime on :${env.REALTIME_PORT}, history writer beside them. Ctrl-C stops all.`);
  process.exit(await runTogether(serverProcesses(env.PORT)));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

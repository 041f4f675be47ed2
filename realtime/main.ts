// Realtime sidecar entry point (`tsx realtime/main.ts`): the cluster primary forks the workers; each worker serves /live.
import cluster from "node:cluster";
import { loadRealtimeConfig, RealtimeConfigError, type RealtimeConfig } from "./config";
import { runPrimary } from "./primary";
import { runWorker } from "./worker";

function configOrExit(): RealtimeConfig {
  try {
    return loadRealtimeConfig();
  } catch (err) {
    if (!(err instanceof RealtimeConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

const config = configOrExit();
if (cluster.isPrimary) runPrimary(config);
else runWorker(config);

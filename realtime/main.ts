// Realtime sidecar entry point (`tsx realtime/main.ts`): the cluster primary forks the workers; each worker serves /live.
import cluster from "node:cluster";
import { settingsOrExit } from "../lib/settings";
import { loadRealtimeConfig } from "./config";
import { runPrimary } from "./primary";
import { runWorker } from "./worker";

const config = settingsOrExit(loadRealtimeConfig);
if (cluster.isPrimary) runPrimary(config);
else runWorker(config);

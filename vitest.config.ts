import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(__dirname),
  // `server-only` throws outside Next's react-server build; tests import server modules directly.
  "server-only": path.resolve(__dirname, "test/support/server-only-stub.ts"),
};

/** What both integration projects share: one stack (global setup) whose files run one at a time. */
const integration = {
  environment: "node" as const,
  globalSetup: ["test/support/global-setup.ts"],
  setupFiles: ["test/support/setup-env.ts"],
  // Files share one database, one Redis (or Redis Cluster) and one web server: run them one at a time.
  fileParallelism: false,
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["{lib,realtime,history,scripts,bench,components,test}/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "node_modules/**"],
          environment: "node",
          // Code under test logs what it would in production (e.g. the 503 a Redis failure becomes): not the run's business.
          env: { LOG_LEVEL: "silent" },
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["{lib,realtime,history,scripts,bench,app,test}/**/*.integration.test.ts"],
          // Tests of Redis Cluster mode only: the integration-cluster project runs them.
          exclude: ["**/*.cluster.integration.test.ts", "node_modules/**"],
          ...integration,
        },
      },
      {
        resolve: { alias },
        test: {
          // The Redis-facing suites that also run under Redis Cluster mode (DESIGN §13), against a private 3-master
          // cluster (test/support/global-setup.ts): ingestion, start/stop, the realtime sidecar (in-process and as
          // processes), scope isolation, access changes, history, the control room (alerts); plus the tests of cluster
          // mode itself (failover included). OsmAnd's ingestion runs here through cluster-mode's own test.
          name: "integration-cluster",
          include: [
            "lib/telemetry/telemetry.integration.test.ts",
            "lib/patrols/patrols.integration.test.ts",
            "realtime/client-session.integration.test.ts",
            "history/history.integration.test.ts",
            "test/scope-isolation.integration.test.ts",
            "test/control-room.integration.test.ts",
            "test/revocation.integration.test.ts",
            "realtime/sidecar.integration.test.ts",
            "**/*.cluster.integration.test.ts",
          ],
          exclude: ["node_modules/**"],
          ...integration,
        },
      },
    ],
  },
});

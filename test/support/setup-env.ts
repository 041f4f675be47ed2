import { inject } from "vitest";
import { TEST_SECRETS } from "./secrets";

// Runs in each test worker before any test file imports lib/env: point it at the suite's stack (and, in the
// integration-cluster project, at its Redis Cluster, which `createRedis` then connects to).
Object.assign(process.env, TEST_SECRETS, {
  DATABASE_URL: inject("databaseUrl"),
  REDIS_URL: inject("redisUrl"),
  REDIS_CLUSTER_NODES: inject("redisClusterNodes"),
  NEXTAUTH_URL: inject("baseUrl"),
  LOG_LEVEL: "silent",
});

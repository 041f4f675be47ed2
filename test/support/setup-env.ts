import { inject } from "vitest";
import { TEST_SECRETS } from "./secrets";

// Runs in each test worker before any test file imports lib/env: point it at the suite's stack.
Object.assign(process.env, TEST_SECRETS, {
  DATABASE_URL: inject("databaseUrl"),
  REDIS_URL: inject("redisUrl"),
  NEXTAUTH_URL: inject("baseUrl"),
  LOG_LEVEL: "silent",
});

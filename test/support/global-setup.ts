import type { TestProject } from "vitest/node";
import { startTestStack } from "./stack";
import { TEST_SECRETS } from "./secrets";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    redisPort: number;
    baseUrl: string;
  }
}

/**
 * One stack for the integration suite: a fresh database seeded with the
 * `demo` profile, a private redis-server and the production web server.
 * Torn down, and the database dropped, at the end.
 */
export default async function setup(project: TestProject) {
  const stack = await startTestStack({ label: "it", seedProfile: "demo", secrets: TEST_SECRETS });
  project.provide("databaseUrl", stack.databaseUrl);
  project.provide("redisUrl", stack.redis.url);
  project.provide("redisPort", stack.redis.port);
  project.provide("baseUrl", stack.baseUrl);
  return () => stack.stop();
}

import type { TestProject } from "vitest/node";
import { startRedisCluster, type PrivateRedisCluster } from "./redis-cluster";
import { startTestStack } from "./stack";
import { TEST_SECRETS } from "./secrets";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    redisPort: number;
    /** In the integration-cluster project: the suite's Redis Cluster seeds (REDIS_CLUSTER_NODES); else "". */
    redisClusterNodes: string;
    baseUrl: string;
  }
}

/**
 * One stack for the integration suite: a fresh database seeded with the
 * `demo` profile, a private redis-server — or, for the `integration-cluster`
 * project (or with `SENTINEL_TEST_REDIS=cluster`), a private 3-master Redis
 * Cluster the web server and the tests use instead — and the production web server.
 * Torn down, and the database dropped, at the end.
 */
export default async function setup(project: TestProject) {
  const clustered = project.name === "integration-cluster" || process.env.SENTINEL_TEST_REDIS === "cluster";
  const cluster: PrivateRedisCluster | null = clustered ? await startRedisCluster({ masters: 3 }) : null;
  try {
    const stack = await startTestStack({
      label: cluster ? "itc" : "it",
      seedProfile: "demo",
      secrets: TEST_SECRETS,
      ...(cluster ? { env: { REDIS_CLUSTER_NODES: cluster.nodes } } : {}),
    });
    project.provide("databaseUrl", stack.databaseUrl);
    project.provide("redisUrl", stack.redis.url);
    project.provide("redisPort", stack.redis.port);
    project.provide("redisClusterNodes", cluster?.nodes ?? "");
    project.provide("baseUrl", stack.baseUrl);
    return async () => {
      await stack.stop();
      await cluster?.stop();
    };
  } catch (err) {
    await cluster?.stop();
    throw err;
  }
}

import { describe, expect, it } from "vitest";
import { loadEnv as loadEnvFrom } from "./env";

/** `loadEnv` of exactly `vars` (Next declares NODE_ENV required on ProcessEnv). */
const loadEnv = (vars: Record<string, string>) => loadEnvFrom(vars as NodeJS.ProcessEnv);

describe("REDIS_CLUSTER_NODES", () => {
  it("is unset by default and when empty: one Redis at REDIS_URL", () => {
    expect(loadEnv({}).REDIS_CLUSTER_NODES).toBeUndefined();
    expect(loadEnv({ REDIS_CLUSTER_NODES: "" }).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it("parses seed nodes", () => {
    expect(loadEnv({ REDIS_CLUSTER_NODES: "10.0.0.5:7000, redis-b.internal:7001" }).REDIS_CLUSTER_NODES).toEqual([
      { host: "10.0.0.5", port: 7000 },
      { host: "redis-b.internal", port: 7001 },
    ]);
  });

  it("names the variable and the expected form when a node is malformed", () => {
    for (const bad of ["10.0.0.5", "10.0.0.5:0", "redis://10.0.0.5:7000", "a:7000,,b:7001"]) {
      expect(() => loadEnv({ REDIS_CLUSTER_NODES: bad }), bad).toThrow(/REDIS_CLUSTER_NODES[\s\S]*host:port/);
    }
  });
});

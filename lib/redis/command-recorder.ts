import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "./client";

/**
 * Stands in for a MULTI where Redis Cluster cannot have one: the commands queued on `batch` (each of ONE key, or
 * keyless like PUBLISH) are recorded, and `run` sends them as separate commands, all at once (a client with
 * auto-pipelining groups them per node). For the state-plane rebuild's per-key mirrors (user access, token
 * generations, device keys), which each stand alone: nothing here is atomic across keys.
 */
export function recordCommands(): { batch: ChainableCommander; run(redis: RedisClient): Promise<void> } {
  const calls: [method: string, args: unknown[]][] = [];
  const batch: ChainableCommander = new Proxy({} as ChainableCommander, {
    get: (_, method) => (...args: unknown[]) => {
      calls.push([String(method), args]);
      return batch;
    },
  });
  return {
    batch,
    async run(redis) {
      const client = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      await Promise.all(calls.map(([method, args]) => client[method]!(...args)));
    },
  };
}

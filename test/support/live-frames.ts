import { inject } from "vitest";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { clusterLayout, patrolChannel, patrolChannelPattern } from "@/lib/redis/keys";
import { clusterClient } from "./redis-cluster";

/** A test's observer of the data plane: every TELEMETRY frame published on a followed patrol's channel. */
export interface LiveFrameWatcher {
  /** What arrived, in order, with the channel it came on. */
  published: { channel: string; message: Buffer }[];
  /** Starts receiving the frames of these patrols (under a single Redis every patrol is received already). */
  follow(...patrolIds: number[]): Promise<void>;
  /** Disconnects the observer. */
  close(): void;
}

/**
 * Watches the suite's data channels in either Redis layout: under a single Redis one PSUBSCRIBE to every data channel
 * (the product never does this: docs/ARCHITECTURE.md §2); under Redis Cluster, where sharded channels have no
 * patterns, one SSUBSCRIBE per followed patrol.
 */
export async function watchLiveFrames(prefix = ""): Promise<LiveFrameWatcher> {
  const published: LiveFrameWatcher["published"] = [];
  const record = (channel: Buffer | string, message: Buffer) => published.push({ channel: channel.toString(), message });
  if (!clusterLayout) {
    const sub: RedisClient = createRedis(inject("redisUrl"));
    await sub.connect();
    sub.on("pmessageBuffer", (_pattern: Buffer, channel: Buffer, message: Buffer) => record(channel, message));
    await sub.psubscribe(patrolChannelPattern(prefix));
    return { published, follow: async () => undefined, close: () => sub.disconnect() };
  }
  const sub = clusterClient({ nodes: inject("redisClusterNodes") }, { shardedSubscribers: true });
  // A sharded subscriber reports a shard's lost connection as 'error' (e.g. during a failover); the test sees its effects.
  sub.on("error", () => undefined);
  sub.on("smessageBuffer", (channel: Buffer, message: Buffer) => record(channel, message));
  return {
    published,
    follow: async (...patrolIds) => {
      for (const id of patrolIds) await sub.ssubscribe(patrolChannel(prefix, id));
    },
    close: () => sub.disconnect(),
  };
}

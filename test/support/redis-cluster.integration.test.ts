import { Redis, type Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterClient, startRedisCluster, type PrivateRedisCluster } from "./redis-cluster";
import { waitUntil } from "./sidecar";

// A private 3-master, 3-replica cluster of this file's own; the suite's stack is not used.
const PATROL_KEY = "patrol:{1}:last";
const PATROL_CHANNEL = "live:patrol:{1}";
/** Stores a patrol's last point and publishes it on the patrol's shard channel, as a Cluster-mode ingest would. */
const STORE_AND_PUBLISH = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('SPUBLISH', ARGV[2], ARGV[1])";

let cluster: PrivateRedisCluster;
let client: Cluster;
let subscriber: Cluster;
/** What the two clients emitted as 'error' (reported by the failover test). */
const clientErrors: string[] = [];

/** Resolves once `emitter` emits `event`. */
function once(emitter: Cluster, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

/** The next message the subscriber receives on `PATROL_CHANNEL`. */
function nextPatrolMessage(): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (channel: string, message: string) => {
      if (channel !== PATROL_CHANNEL) return;
      subscriber.off("smessage", onMessage);
      resolve(message);
    };
    subscriber.on("smessage", onMessage);
  });
}

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  client = clusterClient(cluster);
  client.on("error", (err: Error) => clientErrors.push(`client: ${err.message}`));
  subscriber = clusterClient(cluster, { shardedSubscribers: true });
  subscriber.on("error", (err: Error) => clientErrors.push(`subscriber: ${err.message}`));
  await Promise.all([once(client, "ready"), once(subscriber, "subscribersReady")]);
  await subscriber.ssubscribe(PATROL_CHANNEL);
});

afterAll(async () => {
  client?.disconnect();
  subscriber?.disconnect();
  await cluster?.stop();
});

describe("private Redis Cluster", () => {
  it("serves keys spread over every master through a Cluster client", async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `spread:${i}`);
    for (const key of keys) await client.set(key, `value of ${key}`);
    expect(await Promise.all(keys.map((key) => client.get(key)))).toEqual(keys.map((key) => `value of ${key}`));
    const servedBy = new Set(await Promise.all(keys.map(async (key) => (await cluster.nodeForKey(key)).port)));
    expect([...servedBy].sort()).toEqual(cluster.masters.map((m) => m.port).sort());
  });

  it("lets a script of one patrol's slot publish on its shard channel, and refuses a script over two slots", async () => {
    const point = JSON.stringify({ lat: 9.95, lon: 76.3 });
    const received = nextPatrolMessage();
    expect(await client.eval(STORE_AND_PUBLISH, 1, PATROL_KEY, point, PATROL_CHANNEL)).toBe(1);
    expect(await received).toBe(point);
    expect(await client.get(PATROL_KEY)).toBe(point);

    await expect(client.eval(STORE_AND_PUBLISH, 2, PATROL_KEY, "patrol:{2}:last", point, PATROL_CHANNEL)).rejects.toThrow(/CROSSSLOT/);
  });

  it("keeps a patrol's key and shard channel working after the master serving them is killed and its replica promoted", async () => {
    const master = await cluster.nodeForKey(PATROL_KEY);
    // Replication is asynchronous: WAIT makes sure the replica has the value before its master dies.
    const direct = new Redis(master.port, "127.0.0.1");
    direct.on("error", () => {});
    await direct.set(PATROL_KEY, "before failover");
    expect(await direct.wait(1, 2_000)).toBe(1);
    direct.disconnect();

    // Writes of the same slot keep going while the master is down, as a live ingest's would.
    const failedWrites: string[] = [];
    let writing = true;
    let slowestWriteMs = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const sentAt = Date.now();
        await client.set("patrol:{1}:probe", String(i)).catch((err: Error) => failedWrites.push(err.message));
        slowestWriteMs = Math.max(slowestWriteMs, Date.now() - sentAt);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const killedAt = Date.now();
    const promoted = await cluster.failover(master);
    const promotedAfterMs = Date.now() - killedAt;
    expect(promoted.port).not.toBe(master.port);
    expect((await cluster.nodeForKey(PATROL_KEY)).port).toBe(promoted.port);

    expect(await waitUntil(() => client.get(PATROL_KEY).catch(() => null), "a read after the promotion", 5_000)).toBe("before failover");
    // The subscriber moves its SSUBSCRIBE to the new master on its own; until it has, a publish reaches no one.
    const received = nextPatrolMessage();
    await waitUntil(async () => (await client.eval(STORE_AND_PUBLISH, 1, PATROL_KEY, "after failover", PATROL_CHANNEL)) === 1, "the subscriber back on the shard channel", 5_000);
    expect(await received).toBe("after failover");
    expect(await client.get(PATROL_KEY)).toBe("after failover");
    writing = false;
    await writer;
    expect(failedWrites).toEqual([]);
    const errorCounts = Object.fromEntries([...new Set(clientErrors)].map((e) => [e, clientErrors.filter((x) => x === e).length]));
    console.log(`promoted 127.0.0.1:${promoted.port} ${promotedAfterMs} ms after the kill; slowest write ${slowestWriteMs} ms; 'error' events: ${JSON.stringify(errorCounts)}`);
  });
});

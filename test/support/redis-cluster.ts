import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Cluster, Redis, type ClusterOptions } from "ioredis";
import { freePort, restartableRedis, startProcess, waitForPort, type PrivateRedis } from "./stack";

/**
 * A private Redis Cluster for tests: real redis-server nodes on free ports, started through `startProcess` like
 * `startRedis` (so a test run's leftover check finds and stops them), with a short node timeout so a failover takes
 * seconds. Never touches the machine's shared Redis.
 */

/** Every hash slot of a Redis Cluster: 0…16383. */
const SLOT_COUNT = 16_384;
/** `cluster-node-timeout` of every node: 1 s (Redis's default is 15 s), so a killed master is failed over in ~2–3 s. */
const NODE_TIMEOUT_MS = 1_000;
/** How long `startRedisCluster` and `ready()` wait for a healthy cluster by default: 20 s. */
const READY_TIMEOUT_MS = 20_000;
/** How long `failover()` waits by default for the promotion and a healthy cluster: 20 s. */
const FAILOVER_TIMEOUT_MS = 20_000;
/** Pause between two polls of the nodes: 100 ms. */
const POLL_MS = 100;

/** One node of a private cluster: a `PrivateRedis` that also knows its cluster node id. */
export interface PrivateClusterNode extends PrivateRedis {
  /** The node's cluster id (40 hex digits); kept across `restart()`, which reads it back from its nodes file. */
  id: string;
}

/** A running private Redis Cluster. */
export interface PrivateRedisCluster {
  /** "127.0.0.1:p1,127.0.0.1:p2,…" — the value for REDIS_CLUSTER_NODES (the nodes started as masters first). */
  nodes: string;
  /** Current masters, in slot order; `failover()` puts the promoted replica in its old master's place. */
  masters: PrivateClusterNode[];
  /**
   * Current replicas; after `failover()` the killed master is listed here (down until its `restart()`, when it
   * rejoins as a replica of the node that replaced it — what Redis does with a returning master).
   */
  replicas: PrivateClusterNode[];
  /** The master `replica` replicates. */
  masterOf(replica: PrivateClusterNode): PrivateClusterNode;
  /**
   * Waits (`timeoutMs`, default 20 s) until every running node reports cluster_state:ok with all 16384 slots
   * served, agrees on who is master of whom, and every running replica's link to its master is up.
   */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * Kills `master` (SIGKILL) and waits (`timeoutMs`, default 20 s) until one of its replicas is promoted and the
   * cluster is `ready()` again without it; returns the promoted node.
   */
  failover(master: PrivateClusterNode, timeoutMs?: number): Promise<PrivateClusterNode>;
  /** The master serving `key`'s slot now (CLUSTER KEYSLOT + CLUSTER SLOTS, asked of a running node). */
  nodeForKey(key: string): Promise<PrivateClusterNode>;
  /**
   * Moves the slot of `key` to master `to` as `redis-cli --cluster reshard` does — IMPORTING on `to`, MIGRATING on
   * the owner, MIGRATE of its keys, then SETSLOT NODE on every master — one key every `keyDelayMs` (default 0: in
   * batches), so a test's traffic meets the slot half-moved (ASK, TRYAGAIN). Returns the previous owner.
   */
  migrateSlotOf(key: string, to: PrivateClusterNode, keyDelayMs?: number): Promise<PrivateClusterNode>;
  /** Stops every node and deletes the nodes' directory. */
  stop(): Promise<void>;
}

/**
 * Starts a private Redis Cluster of `masters` masters (default 3; Redis needs at least 3 for failover) each with
 * `replicasPerMaster` replicas (default 0), the slots split evenly over the masters, and waits until it is `ready()`.
 */
export async function startRedisCluster(opts: { masters?: number; replicasPerMaster?: number } = {}): Promise<PrivateRedisCluster> {
  const masterCount = opts.masters ?? 3;
  const replicasPerMaster = opts.replicasPerMaster ?? 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), "sentinel-redis-cluster-"));
  const started: PrivateClusterNode[] = [];
  const cleanup = async () => {
    await Promise.all(started.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await distinctFreePorts(2 * masterCount * (1 + replicasPerMaster));
    const launches: Array<Promise<PrivateClusterNode>> = [];
    for (let i = 0; i < ports.length; i += 2) {
      launches.push(startNode(ports[i]!, ports[i + 1]!, dir).then((n) => (started.push(n), n)));
    }
    // allSettled, not all: on a failure every node that did start is in `started` before cleanup runs.
    const settled = await Promise.allSettled(launches);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const all = settled.map((s) => (s as PromiseFulfilledResult<PrivateClusterNode>).value);
    const masters = all.slice(0, masterCount);
    const replicas = all.slice(masterCount);
    const masterOf = new Map(replicas.map((r, i) => [r, masters[i % masterCount]!]));

    // As `redis-cli --cluster create` does, but without its one-second sleeps: distinct config epochs (before
    // the nodes meet), slots, MEET, then REPLICATE once the replica knows its master.
    await Promise.all(all.map((n, i) => command(n.port, "CLUSTER", "SET-CONFIG-EPOCH", i + 1)));
    await Promise.all(
      masters.map((m, i) =>
        command(m.port, "CLUSTER", "ADDSLOTSRANGE", Math.floor((i * SLOT_COUNT) / masterCount), Math.floor(((i + 1) * SLOT_COUNT) / masterCount) - 1),
      ),
    );
    const first = all[0]!;
    const firstBusPort = ports[1]!;
    await Promise.all(all.slice(1).map((n) => command(n.port, "CLUSTER", "MEET", "127.0.0.1", first.port, firstBusPort)));
    await pollUntil(() => unmetNodes(all), READY_TIMEOUT_MS, `Redis Cluster on ports ${all.map((n) => n.port).join(",")}: nodes did not meet`);
    await Promise.all(replicas.map((r) => command(r.port, "CLUSTER", "REPLICATE", masterOf.get(r)!.id)));

    const cluster: PrivateRedisCluster = {
      nodes: all.map((n) => `127.0.0.1:${n.port}`).join(","),
      masters,
      replicas,
      masterOf(replica) {
        const master = masterOf.get(replica);
        if (!master) throw new Error(`127.0.0.1:${replica.port} is not a replica`);
        return master;
      },
      ready(timeoutMs = READY_TIMEOUT_MS) {
        return pollUntil(
          () => clusterProblem(all, masterOf),
          timeoutMs,
          `Redis Cluster on ports ${all.map((n) => n.port).join(",")} not ready`,
        );
      },
      async failover(master, timeoutMs = FAILOVER_TIMEOUT_MS) {
        const index = masters.indexOf(master);
        if (index < 0) throw new Error(`failover: 127.0.0.1:${master.port} is not a master of this cluster`);
        const candidates = replicas.filter((r) => masterOf.get(r) === master && isRunning(r));
        if (candidates.length === 0) throw new Error(`failover: master 127.0.0.1:${master.port} has no running replica to promote`);
        const deadline = Date.now() + timeoutMs;
        await kill(master);
        let promoted: PrivateClusterNode | undefined;
        await pollUntil(
          async () => {
            for (const r of candidates) if ((await role(r.port).catch(() => "")) === "master") promoted = r;
            return promoted ? null : `no replica of 127.0.0.1:${master.port} promoted yet`;
          },
          deadline - Date.now(),
          `failover of 127.0.0.1:${master.port} did not promote a replica`,
        );
        const winner = promoted!;
        masters[index] = winner;
        replicas.splice(replicas.indexOf(winner), 1, master);
        masterOf.delete(winner);
        for (const [r, m] of masterOf) if (m === master) masterOf.set(r, winner);
        masterOf.set(master, winner);
        await cluster.ready(Math.max(deadline - Date.now(), 0));
        return winner;
      },
      async nodeForKey(key) {
        const asked = all.find(isRunning);
        if (!asked) throw new Error("nodeForKey: no node of the cluster is running");
        const slot = Number(await command(asked.port, "CLUSTER", "KEYSLOT", key));
        const ranges = (await command(asked.port, "CLUSTER", "SLOTS")) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        const node = range && all.find((n) => n.port === Number(range[2][1]));
        if (!node) throw new Error(`nodeForKey: no node of the cluster serves slot ${slot} of ${key}`);
        return node;
      },
      async migrateSlotOf(key, to, keyDelayMs = 0) {
        const from = await cluster.nodeForKey(key);
        if (from === to) throw new Error(`migrateSlotOf: 127.0.0.1:${to.port} already serves ${key}`);
        const slot = Number(await command(to.port, "CLUSTER", "KEYSLOT", key));
        await command(to.port, "CLUSTER", "SETSLOT", slot, "IMPORTING", from.id);
        await command(from.port, "CLUSTER", "SETSLOT", slot, "MIGRATING", to.id);
        for (;;) {
          const keys = (await command(from.port, "CLUSTER", "GETKEYSINSLOT", slot, keyDelayMs ? 1 : 100)) as string[];
          if (keys.length === 0) break;
          await command(from.port, "MIGRATE", "127.0.0.1", to.port, "", 0, 5_000, "KEYS", ...keys);
          if (keyDelayMs) await new Promise((r) => setTimeout(r, keyDelayMs));
        }
        // The new owner first, then the old one (it drops the slot and tells its sharded subscribers), then the rest.
        for (const n of [to, from, ...masters.filter((m) => m !== to && m !== from && isRunning(m))]) await command(n.port, "CLUSTER", "SETSLOT", slot, "NODE", to.id);
        await cluster.ready();
        return from;
      },
      stop: cleanup,
    };
    await cluster.ready();
    return cluster;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * An ioredis `Cluster` client for `cluster` with options suited to tests that fail nodes over; `options` override
 * them (e.g. `{ shardedSubscribers: true }` for SSUBSCRIBE). Connects at once. Add an 'error' listener: with
 * `shardedSubscribers` the client emits "Connection is closed." as 'error' while a master is down, which without
 * a listener throws.
 */
export function clusterClient(cluster: Pick<PrivateRedisCluster, "nodes">, options: ClusterOptions = {}): Cluster {
  const startupNodes = cluster.nodes.split(",").map((hostPort) => {
    const [host, port] = hostPort.split(":");
    return { host: host!, port: Number(port) };
  });
  return new Cluster(startupNodes, {
    lazyConnect: false,
    // Re-read the slot map every second (ioredis's default is 5 s), so a promotion is seen soon even without a MOVED.
    slotsRefreshInterval: 1_000,
    slotsRefreshTimeout: 1_000,
    // A failover leaves the slot unserved for ~2–3 s here. Meanwhile a command cycles: MOVED to the dead master,
    // "Connection is closed.", CLUSTERDOWN, each retried after 200 ms, each counting against `maxRedirections`.
    // One write used 16–19 of them over a 2.5 s failover (ioredis's default limit is 16): 50 lasts ~5 s.
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
    maxRedirections: 50,
    redisOptions: { connectTimeout: 1_000 },
    ...options,
  });
}

/** Starts one cluster-enabled redis-server on `port` with its cluster bus on `busPort`, and learns its node id. */
async function startNode(port: number, busPort: number, dir: string): Promise<PrivateClusterNode> {
  const launch = async () => {
    const m = startProcess(
      `redis-cluster:${port}`,
      "redis-server",
      [
        ...["--port", String(port), "--bind", "127.0.0.1"],
        ...["--cluster-enabled", "yes", "--cluster-config-file", path.join(dir, `nodes-${port}.conf`)],
        // Explicit bus port: the default (port + 10000) may be taken, or above 65535 for an ephemeral port.
        ...["--cluster-port", String(busPort), "--cluster-node-timeout", String(NODE_TIMEOUT_MS)],
        // Promote a replica however long ago it last heard from its master: a test must not hang on data age.
        ...["--cluster-replica-validity-factor", "0"],
        // A shard down without a replica takes only its own slots away; the others keep answering (Redis's default
        // stops the whole cluster). Sentinel's deployments run the same way (DESIGN §13: only that shard's patrols).
        ...["--cluster-require-full-coverage", "no"],
        // Replicas sync at once (Redis 7 waits 5 s for more replicas to share a diskless transfer).
        ...["--repl-diskless-sync-delay", "0"],
        ...["--save", "", "--appendonly", "no", "--dir", dir],
      ],
      {},
    );
    await waitForPort(port).catch(async (err: unknown) => {
      await m.stop();
      throw err;
    });
    return m;
  };
  const node = await restartableRedis(`redis-cluster:${port}`, port, launch);
  return Object.assign(node, { id: String(await command(port, "CLUSTER", "MYID")) });
}

/** `n` distinct free ports (two quick asks of the OS may return the same one). */
async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Sends one command to the node on `port` over a short-lived connection that fails fast instead of retrying. */
async function command(port: number, name: string, ...args: Array<string | number>): Promise<unknown> {
  const redis = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // Errors reach the caller through the rejected command; the event would only repeat them.
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await redis.call(name, args);
  } finally {
    redis.disconnect();
  }
}

/** "master" or "slave", as the node on `port` sees itself (ROLE). */
async function role(port: number): Promise<string> {
  const reply = (await command(port, "ROLE")) as [string, ...unknown[]];
  return reply[0];
}

/** A node of CLUSTER NODES: its id, port, flags (`myself`, `master`, `slave`, `fail?`, `handshake`…) and master's id. */
interface NodeView {
  id: string;
  port: number;
  flags: string[];
  masterId: string | null;
}

/** Parses CLUSTER NODES: `<id> <ip:port@cport> <flags> <master id or -> …` per line. */
function parseClusterNodes(text: string): NodeView[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id, address, flags, masterId] = line.split(" ");
      return {
        id: id!,
        port: Number(address!.split("@")[0]!.split(":").at(-1)),
        flags: flags!.split(","),
        masterId: masterId === "-" ? null : masterId!,
      };
    });
}

/** Fields of an INFO-style reply (`key:value` lines). */
export function parseInfo(text: string): Map<string, string> {
  return new Map(
    text
      .split("\r\n")
      .filter((line) => line.includes(":"))
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
  );
}

function isRunning(node: PrivateClusterNode): boolean {
  return node.child.exitCode === null && node.child.signalCode === null;
}

/** SIGKILLs `node`'s process group (as a crash would) and waits until it exited. */
async function kill(node: PrivateClusterNode): Promise<void> {
  if (!isRunning(node)) return;
  const exited = new Promise((resolve) => node.child.once("exit", resolve));
  process.kill(-node.child.pid!, "SIGKILL");
  await exited;
}

/** Why the nodes have not all met yet (a node missing from, or still in handshake with, another's table), or null. */
async function unmetNodes(all: PrivateClusterNode[]): Promise<string | null> {
  for (const node of all) {
    const views = parseClusterNodes(String(await command(node.port, "CLUSTER", "NODES")));
    const known = new Set(views.filter((v) => !v.flags.includes("handshake") && !v.flags.includes("noaddr")).map((v) => v.id));
    const missing = all.filter((n) => !known.has(n.id));
    if (missing.length > 0) return `127.0.0.1:${node.port} does not know ${missing.map((n) => n.port).join(",")} yet`;
  }
  return null;
}

/**
 * What keeps the running nodes from being a healthy cluster with the roles in `masterOf` (replica → master; a node
 * not in it is a master), or null when there is nothing.
 */
async function clusterProblem(all: PrivateClusterNode[], masterOf: Map<PrivateClusterNode, PrivateClusterNode>): Promise<string | null> {
  const running = all.filter(isRunning);
  for (const node of running) {
    const where = `127.0.0.1:${node.port}`;
    const info = parseInfo(String(await command(node.port, "CLUSTER", "INFO")));
    if (info.get("cluster_state") !== "ok") return `${where} reports cluster_state:${info.get("cluster_state")}`;
    if (info.get("cluster_slots_ok") !== String(SLOT_COUNT)) return `${where} reports cluster_slots_ok:${info.get("cluster_slots_ok")}`;
    const views = new Map(parseClusterNodes(String(await command(node.port, "CLUSTER", "NODES"))).map((v) => [v.id, v]));
    for (const other of running) {
      const view = views.get(other.id);
      const master = masterOf.get(other);
      const seenAs = view?.flags.includes("master") ? "master" : view?.masterId ? `replica of ${view.masterId.slice(0, 8)}` : "unknown";
      const expected = master ? `replica of ${master.id.slice(0, 8)}` : "master";
      if (seenAs !== expected) return `${where} sees 127.0.0.1:${other.port} as ${seenAs}, not ${expected}`;
    }
    const master = masterOf.get(node);
    if (master) {
      const replication = parseInfo(String(await command(node.port, "INFO", "replication")));
      if (replication.get("master_port") !== String(master.port) || replication.get("master_link_status") !== "up") {
        return `${where}'s link to its master 127.0.0.1:${master.port} is not up (master_port:${replication.get("master_port")}, master_link_status:${replication.get("master_link_status")})`;
      }
    }
  }
  return null;
}

/** Polls `problem` every 100 ms until it returns null (errors count as problems); throws after `timeoutMs` with the last one. */
async function pollUntil(problem: () => Promise<string | null>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const found = await problem();
      if (found === null) return;
      last = found;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() >= deadline) throw new Error(`${what} within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

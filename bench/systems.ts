import path from "node:path";
import { patrolChannelPattern } from "../lib/redis/keys";
import { freePort, ROOT, startProcess, startRealtime, type EnvVars, type Managed, type TestStack } from "../test/support/stack";
import { sleep } from "../test/support/load/clock";
import { READY_LINE } from "./baselines/cluster";
import type { Transport } from "../test/support/load/dashboards";
import { childrenOf, connectionPortsTo, envValue, type ProcessRole } from "../test/support/load/proc";

/**
 * The realtime tiers under test — Sentinel's sidecar and the two baselines —
 * and the floor server, each with the processes its CPU is charged to.
 */

/** Names of the realtime tiers compared; "sentinel (round-robin)" is Sentinel with REALTIME_PLACEMENT=round-robin. */
export type SystemName = "sentinel" | "sentinel (round-robin)" | "firehose" | "socketio";

/** A running realtime tier dashboards can connect to. */
export interface RealtimeSystem {
  name: SystemName;
  /** One line for the report. */
  description: string;
  transport: Transport;
  url: string;
  /** The tier's own processes now (cluster primary, each worker, and for Socket.IO the emitter bridge). */
  roles(): ProcessRole[];
  /** Pids of the workers now: their memory is what connected clients cost. */
  workerPids(): number[];
  /** Redis patterns each worker's subscriber connection holds (PSUBSCRIBE); none when workers subscribe channel by channel. */
  redisPatterns: string[];
  /** Starts what must run only while this tier is measured (the Socket.IO emitter bridge); idempotent. */
  activate(): Promise<void>;
  /** Stops what the tier started (nothing for the stack's own sidecar); stopping again does nothing. */
  stop(): Promise<void>;
}

const TSX = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
/**
 * Longest wait for a tier's processes to be ready: 120 s. Each worker compiles the TypeScript through tsx as it
 * starts; 8 of them on 2 cores that other work also uses took up to ~20 s each.
 */
const READY_TIMEOUT_MS = 120_000;

/** Starts a TypeScript entry point under tsx, as `npm start` runs the sidecar, and waits for its READY_LINE. */
async function startReady(name: string, entry: string, args: string[], env: EnvVars): Promise<Managed> {
  const managed = startProcess(name, process.execPath, [TSX, entry, ...args], { ...env, NODE_ENV: "production" });
  const ready = new Promise<void>((resolve, reject) => {
    let seen = "";
    managed.child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(READY_LINE)) resolve();
    });
    managed.child.once("exit", (code) => reject(new Error(`${name} exited (code ${code}) before it was ready`)));
    setTimeout(() => reject(new Error(`${name} was not ready within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS).unref();
  });
  await ready.catch(async (err: unknown) => {
    await managed.stop();
    throw err;
  });
  return managed;
}

/**
 * A cluster started through tsx: tsx's launcher, the cluster primary, its
 * workers. Read afresh from /proc on every call, since a primary replaces a
 * worker that died with a new process.
 */
class ClusterProcesses {
  constructor(
    private readonly label: string,
    private readonly launcherPid: number,
  ) {}

  /**
   * Pids of the current workers: the primary's children that Node's cluster started (it gives each a
   * NODE_UNIQUE_ID). The primary may have others, e.g. the esbuild service tsx starts when it compiles a changed
   * file, which answers no memory probe and serves no client.
   */
  workerPids(): number[] {
    const primary = childrenOf(this.launcherPid)[0];
    return primary === undefined ? [] : childrenOf(primary).filter((pid) => envValue(pid, "NODE_UNIQUE_ID") !== null);
  }

  /** The launcher and primary (charged together), then each worker. */
  roles(): ProcessRole[] {
    const primary = childrenOf(this.launcherPid)[0];
    return [
      { name: `${this.label} primary`, kind: "tier", pids: primary === undefined ? [this.launcherPid] : [this.launcherPid, primary] },
      ...this.workerPids().map((pid, i) => ({ name: `${this.label} worker ${i + 1}`, kind: "tier" as const, pids: [pid] })),
    ];
  }

  /** Resolves once every worker holds a connection to the Redis on `redisPort`. */
  async connectedTo(redisPort: number): Promise<this> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ([...connectionPortsTo(this.workerPids(), redisPort).values()].some((ports) => ports.length === 0)) {
      if (Date.now() > deadline) throw new Error(`${this.label}: not every worker connected to Redis within ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(100);
    }
    return this;
  }

  /** Resolves once `workers` workers run. */
  async started(workers: number): Promise<this> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (this.workerPids().length < workers) {
      if (Date.now() > deadline) throw new Error(`${this.label}: expected ${workers} workers under pid ${this.launcherPid}`);
      await sleep(100);
    }
    return this;
  }
}

/** Sentinel's realtime sidecar, as started by the stack. */
export async function sentinelSystem(stack: TestStack, workers: number): Promise<RealtimeSystem> {
  if (!stack.realtime) throw new Error("the stack was started without its realtime sidecar");
  const cluster = await new ClusterProcesses("realtime", stack.realtime.child.pid!).started(workers);
  return sentinelOn(cluster, "sentinel", Number(stack.env.REALTIME_PORT), async () => undefined);
}

/**
 * A Sentinel sidecar of its own (the city tier's): `realtime/main.ts` with the
 * stack's environment, `workers` workers on a free port, plus `env` (e.g.
 * REALTIME_PLACEMENT=round-robin, which names it "sentinel (round-robin)").
 * Resolves once every worker is connected to Redis.
 */
export async function startSentinel(stack: TestStack, workers: number, env: EnvVars = {}): Promise<RealtimeSystem> {
  const port = await freePort();
  const managed = await startRealtime({
    ...stack.env,
    ...env,
    REALTIME_PORT: String(port),
    REALTIME_PUBLIC_URL: `ws://127.0.0.1:${port}/live`,
    REALTIME_WORKERS: String(workers),
  }, READY_TIMEOUT_MS);
  try {
    const cluster = await new ClusterProcesses("realtime", managed.child.pid!).started(workers);
    // /healthz answered from one worker; the others may still be starting. A worker connects to Redis as it starts serving.
    await cluster.connectedTo(stack.redis.port);
    return sentinelOn(cluster, env.REALTIME_PLACEMENT === "round-robin" ? "sentinel (round-robin)" : "sentinel", port, () => managed.stop());
  } catch (err) {
    await managed.stop();
    throw err;
  }
}

/** Sentinel's sidecar on `port` as a tier of the benchmark. */
function sentinelOn(cluster: ClusterProcesses, name: "sentinel" | "sentinel (round-robin)", port: number, stop: () => Promise<void>): RealtimeSystem {
  return {
    name,
    description: `Sentinel realtime sidecar (ws; per-patrol channels, reference-counted subscriptions${name === "sentinel" ? "" : "; REALTIME_PLACEMENT=round-robin"})`,
    transport: "ws",
    url: `ws://127.0.0.1:${port}/live`,
    roles: () => cluster.roles(),
    workerPids: () => cluster.workerPids(),
    redisPatterns: [],
    activate: async () => undefined,
    stop,
  };
}

/** Baseline (a): the firehose sidecar (PSUBSCRIBE live:* per worker, per-frame filtering). */
export async function startFirehose(stack: TestStack, workers: number): Promise<RealtimeSystem> {
  const port = await freePort();
  const managed = await startReady("firehose", "bench/baselines/firehose-sidecar.ts", ["--port", String(port), "--workers", String(workers)], stack.env);
  const cluster = await new ClusterProcesses("firehose", managed.child.pid!).started(workers);
  return {
    name: "firehose",
    description: "firehose: ws, one PSUBSCRIBE live:* per worker, parse + meta lookup + scope check per frame per client",
    transport: "ws",
    url: `ws://127.0.0.1:${port}/live`,
    roles: () => cluster.roles(),
    workerPids: () => cluster.workerPids(),
    redisPatterns: [patrolChannelPattern(stack.env.REDIS_PREFIX ?? "")],
    activate: async () => undefined,
    stop: () => managed.stop(),
  };
}

/**
 * Baseline (b): Socket.IO with the Redis adapter. The bridge that emits every
 * point to its rooms starts on `activate()`, so the idle server costs nothing
 * while other tiers are measured.
 */
export async function startSocketIo(stack: TestStack, workers: number): Promise<RealtimeSystem> {
  const port = await freePort();
  const server = await startReady("socketio", "bench/baselines/socketio-sidecar.ts", ["--port", String(port), "--workers", String(workers)], stack.env);
  const cluster = await new ClusterProcesses("socket.io", server.child.pid!).started(workers);
  let bridge: Managed | null = null;
  return {
    name: "socketio",
    description: "Socket.IO 4 + @socket.io/redis-adapter, one room per scope unit, io.to(5 rooms).emit per point",
    transport: "socketio",
    url: `http://127.0.0.1:${port}`,
    roles: () => {
      const launcher = bridge?.child.pid;
      const emitter: ProcessRole[] = launcher ? [{ name: "socket.io emitter bridge", kind: "emitter", pids: [launcher, ...childrenOf(launcher)] }] : [];
      return [...cluster.roles(), ...emitter];
    },
    workerPids: () => cluster.workerPids(),
    // The redis-adapter's broadcast channel, `socket.io#/#` and a room's `socket.io#/#<room>#` (key "socket.io", namespace "/").
    redisPatterns: ["socket.io#/#*"],
    async activate() {
      bridge ??= await startReady("socketio-bridge", "bench/baselines/socketio-bridge.ts", [], stack.env);
    },
    async stop() {
      await bridge?.stop();
      await server.stop();
    },
  };
}

/** Baseline (c): the bare node:http ingestion server. */
export async function startFloorServer(stack: TestStack, env: EnvVars = {}): Promise<{ baseUrl: string; pids: number[]; stop(): Promise<void> }> {
  const port = await freePort();
  const managed = await startReady("floor", "bench/baselines/floor-server.ts", ["--port", String(port)], { ...stack.env, ...env });
  return { baseUrl: `http://127.0.0.1:${port}`, pids: [managed.child.pid!, ...childrenOf(managed.child.pid!)], stop: () => managed.stop() };
}

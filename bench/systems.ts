import path from "node:path";
import { freePort, ROOT, startProcess, type EnvVars, type Managed, type TestStack } from "../test/support/stack";
import { sleep } from "../test/support/load/clock";
import { READY_LINE } from "./baselines/cluster";
import type { Transport } from "../test/support/load/dashboards";
import { childrenOf, type ProcessRole } from "../test/support/load/proc";

/**
 * The realtime tiers under test — Sentinel's sidecar and the two baselines —
 * and the floor server, each with the processes its CPU is charged to.
 */

/** Names of the realtime tiers compared. */
export type SystemName = "sentinel" | "firehose" | "socketio";

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
  /** Starts what must run only while this tier is measured (the Socket.IO emitter bridge); idempotent. */
  activate(): Promise<void>;
  stop(): Promise<void>;
}

const TSX = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
/** Longest wait for a baseline process to report ready: 30 s. */
const READY_TIMEOUT_MS = 30_000;

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

  /** Pids of the current workers. */
  workerPids(): number[] {
    const primary = childrenOf(this.launcherPid)[0];
    return primary === undefined ? [] : childrenOf(primary);
  }

  /** The launcher and primary (charged together), then each worker. */
  roles(): ProcessRole[] {
    const primary = childrenOf(this.launcherPid)[0];
    return [
      { name: `${this.label} primary`, kind: "tier", pids: primary === undefined ? [this.launcherPid] : [this.launcherPid, primary] },
      ...this.workerPids().map((pid, i) => ({ name: `${this.label} worker ${i + 1}`, kind: "tier" as const, pids: [pid] })),
    ];
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
  return {
    name: "sentinel",
    description: "Sentinel realtime sidecar (ws; per-patrol channels, reference-counted subscriptions)",
    transport: "ws",
    url: `ws://127.0.0.1:${stack.env.REALTIME_PORT}/live`,
    roles: () => cluster.roles(),
    workerPids: () => cluster.workerPids(),
    activate: async () => undefined,
    stop: async () => undefined,
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

// npx tsx bench/connection-memory.ts [--clients 2000] [--stations 20] [--patrols 5] [--idle 5] [--frames 0] – what one dashboard
// socket costs a realtime worker: memory per idle connection (after a full GC) and, with --frames, worker CPU per
// delivered frame.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import { TEST_SECRETS } from "../test/support/secrets";

/**
 * One sidecar worker (REALTIME_WORKERS=1) against a private redis-server, `--clients` station dashboards spread over
 * `--stations` stations of `--patrols` active patrols each, all held by this process. The worker's memory is read
 * through bench/memory-probe.mjs (a full GC first) once warmed up, with every dashboard connected and idle, and after
 * they all left (what did not come back is kept per connection for good). With `--frames N`, N TELEMETRY frames are
 * then published round-robin over the patrols at `--rate` per second and the worker's CPU is divided by the frames
 * the dashboards received. Nothing here is product code: it starts what the integration tests start.
 */

const USAGE = "npx tsx bench/connection-memory.ts [--clients 2000] [--stations 20] [--patrols 5] [--idle 5] [--frames 0] [--rate 200]";

/** Connections opened at once, as the bench's dashboard processes do: 25. */
const CONNECT_BATCH = 25;
/** Connections opened and closed before the first reading, so lazily built module state is not charged to the clients. */
const WARMUP_CLIENTS = 100;

/** A dashboard that only counts what it receives. */
class CountingDashboard {
  telemetry = 0;
  readonly snapshot: Promise<void>;
  readonly closed: Promise<void>;

  constructor(readonly ws: WebSocket) {
    this.snapshot = new Promise((resolve, reject) => {
      ws.once("message", (data) => (String(data).startsWith('{"type":"SNAPSHOT"') ? resolve() : reject(new Error(`first frame was not a SNAPSHOT: ${String(data).slice(0, 80)}`))));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
    });
    ws.on("message", (data: Buffer) => {
      // '{"type":"T' — TELEMETRY, without decoding the rest.
      if (data[9] === 0x54) this.telemetry++;
    });
    ws.on("error", () => undefined);
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
  }
}

/** Clock ticks of user and system CPU `pid` has used so far (/proc/<pid>/stat utime and stime). */
function cpuTicks(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

/** Write system calls (write, writev, sendmsg…) `pid` has made so far (/proc/<pid>/io syscw). */
function writeSyscalls(pid: number): number {
  return Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "2000" },
      stations: { type: "string", default: "20" },
      patrols: { type: "string", default: "5" },
      frames: { type: "string", default: "0" },
      rate: { type: "string", default: "200" },
      idle: { type: "string", default: "5" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const clients = Number(values.clients);
  const stations = Number(values.stations);
  const patrolsPerStation = Number(values.patrols);
  const frames = Number(values.frames);
  const rate = Number(values.rate);
  // How long the dashboards stay connected and idle before the reading (keepalive HEARTBEATs flow meanwhile), in ms.
  const idleMs = Number(values.idle) * 1000;

  // Ticket signing reads lib/env: the test secrets first, then the modules that read them.
  Object.assign(process.env, TEST_SECRETS, { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" });
  const { startRedis } = await import("../test/support/stack");
  const { startSidecar, ticketFor, patrolAt, publishTelemetry } = await import("../test/support/sidecar");
  const { collectedMemory, cpuSeconds } = await import("../test/support/load/proc");
  const { addActivePatrol } = await import("../lib/patrols/state-plane");
  const { createRedis } = await import("../lib/redis/client");
  const { WORKER_HEADER } = await import("../realtime/worker");

  const memoryDir = mkdtempSync(path.join(os.tmpdir(), "sentinel-connection-memory-"));
  const redisServer = await startRedis();
  const redis = createRedis(redisServer.url);
  let sidecar: Awaited<ReturnType<typeof startSidecar>> | null = null;
  const open: CountingDashboard[] = [];
  try {
    await redis.connect();
    const prefix = "mem:";
    const patrolIds: number[] = [];
    for (let s = 1; s <= stations; s++) {
      for (let p = 0; p < patrolsPerStation; p++) {
        const patrolId = s * 100 + p;
        await addActivePatrol(redis, prefix, patrolAt(patrolId, { stationId: s, divisionId: 1, zoneId: 1, districtId: 1 }));
        await publishTelemetry(redis, prefix, patrolId, { lat: 9.9, lon: 76.3, ts: Date.now(), speed: 0, heading: 0 });
        patrolIds.push(patrolId);
      }
    }
    sidecar = await startSidecar(redisServer.url, {
      REALTIME_WORKERS: "1",
      REDIS_PREFIX: prefix,
      REALTIME_MAX_CONNECTIONS_PER_USER: String(clients + WARMUP_CLIENTS),
      NODE_OPTIONS: `--import ${pathToFileURL(path.join(__dirname, "memory-probe.mjs")).href}`,
      SENTINEL_BENCH_MEMORY_DIR: memoryDir,
    });
    let workerPid = 0;
    const connect = async (n: number, firstUser: number): Promise<CountingDashboard[]> => {
      const opened: CountingDashboard[] = [];
      for (let i = 0; i < n; i += CONNECT_BATCH) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, async (_, j) => {
            const user = firstUser + i + j;
            const ticket = await ticketFor({ level: "station", id: 1 + (user % stations) }, user);
            const ws = new WebSocket(`${sidecar!.url}?ticket=${encodeURIComponent(ticket)}`, { handshakeTimeout: 10_000 });
            ws.once("upgrade", (res) => (workerPid = Number(res.headers[WORKER_HEADER.toLowerCase()])));
            const dashboard = new CountingDashboard(ws);
            await dashboard.snapshot;
            return dashboard;
          }),
        );
        opened.push(...batch);
      }
      return opened;
    };
    const closeAll = async (dashboards: CountingDashboard[]) => {
      for (const d of dashboards) d.ws.close();
      await Promise.all(dashboards.map((d) => d.closed));
    };
    const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));
    // The probe's whole answer (process.memoryUsage() after a full GC), not only the sums collectedMemory returns.
    const memory = async (): Promise<NodeJS.MemoryUsage> => {
      await collectedMemory([workerPid], memoryDir);
      return JSON.parse(readFileSync(path.join(memoryDir, `${workerPid}.json`), "utf8")) as NodeJS.MemoryUsage;
    };

    await closeAll(await connect(WARMUP_CLIENTS, 1_000_000));
    await settle();
    const before = await memory();
    const started = Date.now();
    open.push(...(await connect(clients, 1)));
    const connectS = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const idle = await memory();

    const kib = (bytes: number) => (bytes / 1024).toFixed(1);
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    console.log(`worker ${workerPid}: ${clients} idle station dashboards over ${stations} stations (${patrolsPerStation} patrols each), connected in ${connectS.toFixed(1)} s`);
    console.log(`  before: RSS ${mib(before.rss)} MiB, heap ${mib(before.heapUsed)} MiB (after ${WARMUP_CLIENTS} warm-up connections, full GC)`);
    console.log(`  idle:   RSS ${mib(idle.rss)} MiB, heap ${mib(idle.heapUsed)} MiB (after ${idleMs / 1000} s idle, full GC)`);
    const perClient = (key: keyof NodeJS.MemoryUsage) => kib((idle[key] - before[key]) / clients);
    console.log(
      `  per idle connection: RSS ${perClient("rss")} KiB, heap ${perClient("heapUsed")} KiB ` +
        `(V8 heap committed ${perClient("heapTotal")} KiB, external ${perClient("external")} KiB)`,
    );

    if (frames > 0) {
      const cpuBefore = cpuSeconds(workerPid)!;
      const ticksBefore = cpuTicks(workerPid);
      const writesBefore = writeSyscalls(workerPid);
      const receivedBefore = open.reduce((n, d) => n + d.telemetry, 0);
      const expected = Math.floor(clients / stations) * frames;
      for (let i = 0; i < frames; i++) {
        const patrolId = patrolIds[i % patrolIds.length]!;
        await publishTelemetry(redis, prefix, patrolId, { lat: 9.9 + i / 1e6, lon: 76.3, ts: Date.now(), speed: 10, heading: 90 });
        await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
      }
      const deadline = Date.now() + 30_000;
      while (open.reduce((n, d) => n + d.telemetry, 0) - receivedBefore < expected && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const delivered = open.reduce((n, d) => n + d.telemetry, 0) - receivedBefore;
      const cpuS = cpuSeconds(workerPid)! - cpuBefore;
      const ticks = cpuTicks(workerPid);
      const userShare = (ticks.user - ticksBefore.user) / Math.max(1, ticks.user - ticksBefore.user + ticks.system - ticksBefore.system);
      console.log(
        `  fan-out: ${frames} frames at ${rate}/s, ${delivered} delivered (≈${expected} expected); worker CPU ${cpuS.toFixed(2)} s ` +
          `(${Math.round(userShare * 100)} % user), ${((cpuS * 1e6) / delivered).toFixed(1)} µs and ` +
          `${((writeSyscalls(workerPid) - writesBefore) / delivered).toFixed(2)} write syscalls per delivered frame`,
      );
    }

    await closeAll(open.splice(0));
    await settle();
    const after = await memory();
    console.log(`  after all left: RSS ${mib(after.rss)} MiB, heap ${mib(after.heapUsed)} MiB (heap kept per connection: ${kib((after.heapUsed - before.heapUsed) / clients)} KiB)`);
  } finally {
    for (const d of open) d.ws.terminate();
    await sidecar?.process.stop();
    redis.disconnect();
    await redisServer.stop();
    rmSync(memoryDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

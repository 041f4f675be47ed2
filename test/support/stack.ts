import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { applyMigrations } from "../../lib/migrate";
import type { SeedProfile } from "../../lib/seed/seed";
import { stopProcessesWithEnv } from "./load/proc";

/** Extra environment variables for a child process. */
export type EnvVars = Record<string, string | undefined>;

/**
 * Starting and stopping the pieces of a Sentinel stack — a private Redis, a
 * throwaway database, the web server, the realtime sidecar — for tests, the
 * benchmark and the demo. Everything here is real; nothing is mocked.
 */

/** Project root (where package.json lives). */
export const ROOT = path.resolve(__dirname, "../..");

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A child process we started, with a way to stop it. */
export interface Managed {
  name: string;
  child: ChildProcess;
  /** Sends SIGTERM, then SIGKILL after `graceMs` (default 5 s); resolves when it exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a process; its output goes to our stderr prefixed with `name` when `SENTINEL_VERBOSE` is set. */
export function startProcess(name: string, cmd: string, args: string[], env: EnvVars): Managed {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const verbose = Boolean(process.env.SENTINEL_VERBOSE);
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    tail.push(text);
    if (tail.length > 50) tail.shift();
    if (verbose) process.stderr.write(text.replace(/^/gm, `[${name}] `));
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.on("exit", (code, signal) => {
    if (code && code !== 0 && !stopping) {
      process.stderr.write(`[${name}] exited with code ${code} (signal ${signal})\n${tail.join("").slice(-4000)}\n`);
    }
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name,
    child,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` (with `headers`, e.g. the ops token) until it answers (any status below 500) or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs = 30_000, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
      if (res.status < 500) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms (${last})`);
}

/** Waits until a TCP port accepts connections. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

/** A private `redis-server` on a free port, with no persistence. */
export interface PrivateRedis extends Managed {
  port: number;
  url: string;
  /** Starts it again on the same port (after `stop`), e.g. for fault tests. */
  restart(): Promise<void>;
}

/** Starts a private redis-server (never the machine's shared one). */
export async function startRedis(port?: number): Promise<PrivateRedis> {
  const p = port ?? (await freePort());
  const launch = async () => {
    const m = startProcess(`redis:${p}`, "redis-server", ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {});
    await waitForPort(p);
    return m;
  };
  return restartableRedis(`redis:${p}`, p, launch);
}

/** A redis-server on `port` that `launch` starts, as a `PrivateRedis` whose `restart()` launches it again. */
export async function restartableRedis(name: string, port: number, launch: () => Promise<Managed>): Promise<PrivateRedis> {
  let current = await launch();
  return {
    name,
    port,
    url: `redis://127.0.0.1:${port}`,
    get child() {
      return current.child;
    },
    stop: (graceMs?: number) => current.stop(graceMs),
    async restart() {
      await current.stop();
      current = await launch();
    },
  };
}

/** Admin URL (database `postgres`) for the server named in `url`. */
function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

/**
 * Creates a uniquely named database on the server of `baseUrl`
 * (default: local PostgreSQL) and applies every migration. Returns its URL.
 */
export async function createTestDatabase(
  label = "test",
  baseUrl = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
): Promise<string> {
  const name = `sentinel_${label}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl(baseUrl) });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  await applyMigrations(u.toString());
  return u.toString();
}

/** Drops a database created by `createTestDatabase`, disconnecting its users. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new pg.Client({ connectionString: adminUrl(url) });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Starts the production web server (`next start`; needs `npm run build` first). */
export async function startWeb(env: EnvVars & { PORT: string }): Promise<Managed> {
  const web = startProcess(`web:${env.PORT}`, process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", env.PORT, "-H", "127.0.0.1"], { ...env, NODE_ENV: "production" });
  await waitForHttp(`http://127.0.0.1:${env.PORT}/api/health`, 60_000).catch(async (err: unknown) => {
    await web.stop();
    throw err;
  });
  return web;
}

/**
 * Environment variable naming the stack a process belongs to: every process
 * started with a stack's `env` carries it, including ones a test restarts
 * itself, so `stop()` finds them all.
 */
export const STACK_MARKER = "SENTINEL_STACK";

/** A running test stack: database, private Redis and web server. */
export interface TestStack {
  env: EnvVars & { DATABASE_URL: string; REDIS_URL: string; PORT: string; REALTIME_PORT: string; [STACK_MARKER]: string };
  baseUrl: string;
  databaseUrl: string;
  redis: PrivateRedis;
  web: Managed;
  /** The realtime sidecar, when started with `realtime: true`. */
  realtime: Managed | null;
  /** The history writer, when started with `history: true` (its metrics on `env.HISTORY_METRICS_PORT`). */
  history: Managed | null;
  /** Stops every process started with `env` (also any a test restarted) and drops the database. */
  stop(): Promise<void>;
}

/**
 * Starts an isolated stack for tests or the benchmark: a fresh database
 * (migrated and seeded with `seedProfile`), a private redis-server and the
 * production web server (built first if there is no build yet) and, with
 * `realtime: true`, the realtime sidecar and, with `history: true`, the
 * history writer (default: neither started).
 */
export async function startTestStack(opts: {
  label: string;
  seedProfile: SeedProfile;
  secrets: EnvVars;
  env?: EnvVars;
  realtime?: boolean;
  history?: boolean;
  /** Server to create the stack's database on (e.g. a private PostgreSQL a fault test stops); default the local one. */
  postgresUrl?: string;
}): Promise<TestStack> {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    console.log("No production build found: running `npm run build` once…");
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  }
  const databaseUrl = await createTestDatabase(opts.label, opts.postgresUrl);
  const redis = await startRedis();
  const port = await freePort();
  const realtimePort = await freePort();
  const historyPort = await freePort();
  const stackId = `${opts.label}-${randomBytes(6).toString("hex")}`;
  // In the integration-cluster project a stack started by a test file shares the suite's Redis Cluster (REDIS_CLUSTER_NODES
  // is in this process's environment, which the stack's processes inherit): a prefix of its own keeps its keys and
  // channels apart from the suite's and earlier stacks' (left in the cluster, which is stopped with the suite).
  const sharedCluster = Boolean(process.env.REDIS_CLUSTER_NODES) && opts.env?.REDIS_CLUSTER_NODES === undefined && opts.env?.REDIS_PREFIX === undefined;
  const env = {
    ...opts.secrets,
    [STACK_MARKER]: stackId,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    PORT: String(port),
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    REALTIME_PORT: String(realtimePort),
    REALTIME_PUBLIC_URL: `ws://127.0.0.1:${realtimePort}/live`,
    REALTIME_WORKERS: "2",
    HISTORY_METRICS_PORT: String(historyPort),
    LOG_LEVEL: "warn",
    ...(sharedCluster ? { REDIS_PREFIX: `${stackId}:` } : {}),
    ...opts.env,
  };
  const cleanup = async () => {
    await redis.stop();
    await dropDatabase(databaseUrl);
  };
  try {
    execFileSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/seed.ts", opts.seedProfile, "--quiet"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const web = await startWeb(env);
    const realtime = opts.realtime ? await startRealtime(env).catch(async (err: unknown) => (await web.stop(), Promise.reject(err))) : null;
    const history = opts.history
      ? await startHistory(env).catch(async (err: unknown) => (await realtime?.stop(), await web.stop(), Promise.reject(err)))
      : null;
    return {
      env,
      baseUrl: `http://127.0.0.1:${port}`,
      databaseUrl,
      redis,
      web,
      realtime,
      history,
      async stop() {
        await history?.stop();
        await realtime?.stop();
        await web.stop();
        await stopProcessesWithEnv(STACK_MARKER, stackId);
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * Starts the realtime sidecar (`realtime/main.ts`, a cluster of
 * `REALTIME_WORKERS`) and waits (`timeoutMs`, default 30 s) for its `/healthz`.
 */
export function startRealtime(env: EnvVars & { REALTIME_PORT: string }, timeoutMs = 30_000): Promise<Managed> {
  return startService("realtime", "realtime/main.ts", env.REALTIME_PORT, env, timeoutMs);
}

/** Starts the history writer (`history/main.ts`) and waits for its `/healthz` on `HISTORY_METRICS_PORT`. */
export function startHistory(env: EnvVars & { HISTORY_METRICS_PORT: string }): Promise<Managed> {
  return startService("history", "history/main.ts", env.HISTORY_METRICS_PORT, env);
}

/** Runs `script` with tsx in production mode and waits (`timeoutMs`, default 30 s) for `/healthz` on `port`. */
async function startService(name: string, script: string, port: string, env: EnvVars, timeoutMs = 30_000): Promise<Managed> {
  const service = startProcess(`${name}:${port}`, process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), script], { ...env, NODE_ENV: "production" });
  // With an ops token a bare request gets 401 at once, before the service is ready: ask as the operator would.
  const ops: Record<string, string> = env.METRICS_TOKEN ? { authorization: `Bearer ${env.METRICS_TOKEN}` } : {};
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, timeoutMs, ops).catch(async (err: unknown) => {
    await service.stop();
    throw err;
  });
  return service;
}

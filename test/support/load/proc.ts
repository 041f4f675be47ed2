import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import path from "node:path";
import { monotonicMs, sleep } from "./clock";

/**
 * Processes as Linux's /proc shows them, for the benchmark, the soak and the
 * test run: trees (cluster workers the load did not start itself), CPU
 * (utime + stime in clock ticks, 10 ms each on this kernel, so windows should
 * last seconds), resident memory, environment markers and listening ports.
 * Live heap comes from the processes themselves, through bench/memory-probe.mjs.
 */

function getconf(name: string, fallback: number): number {
  try {
    return Number(execFileSync("getconf", [name]).toString().trim()) || fallback;
  } catch {
    return fallback;
  }
}

/** Clock ticks per second (`getconf CLK_TCK`, default 100). */
const TICKS_PER_SECOND = getconf("CLK_TCK", 100);

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) `pid` has used so far; null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  const f = statFields(pid);
  // After the command: state(0) ppid(1) … utime(11) stime(12).
  return f ? (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND : null;
}

/** Parent of `pid`, or null when it is gone. */
export function parentOf(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[1]) : null;
}

/** Every pid in /proc, ascending. */
function allPids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Direct children of `pid`, ascending. */
export function childrenOf(pid: number): number[] {
  return allPids().filter((p) => parentOf(p) === pid);
}

/** `pid` and all its descendants. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]!));
  return all;
}

/** Resident memory of `pid` in bytes (VmRSS); 0 when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Command line of `pid`, space-separated ("" when it is gone or a kernel thread). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
}

/**
 * The value of `name` in `pid`'s environment as it was started (/proc/<pid>/environ), or null when it is unset,
 * the process is gone, or it is not ours to read.
 */
export function envValue(pid: number, name: string): string | null {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, "utf8")
      .split("\0")
      .find((e) => e.startsWith(`${name}=`));
    return entry === undefined ? null : entry.slice(name.length + 1);
  } catch {
    return null;
  }
}

/**
 * Processes whose environment (as they were started: /proc/<pid>/environ)
 * holds `name=value`. Only processes of our own user (or all, as root) can be
 * read; zombies show an empty environment and are not found.
 */
export function processesWithEnv(name: string, value: string): number[] {
  const wanted = `${name}=${value}`;
  return allPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(wanted);
    } catch {
      return false;
    }
  });
}

/** Inodes of the sockets `pid` holds open (empty when it is gone). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (link.startsWith("socket:[")) inodes.add(link.slice(8, -1));
      } catch {
        /* closed while we looked */
      }
    }
  } catch {
    /* gone */
  }
  return inodes;
}

/** One row of the kernel's TCP tables (IPv4 and IPv6): ports, state (0A is LISTEN, 01 ESTABLISHED) and socket inode. */
interface TcpSocket {
  localPort: number;
  remotePort: number;
  state: string;
  inode: string;
}

/** Every TCP socket of the machine's network namespace, from /proc/net/tcp and /proc/net/tcp6. */
function tcpSockets(): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    // Columns: sl local_address rem_address st … inode; each port is hex after the address's colon.
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const port = (address: string) => parseInt(address.split(":")[1]!, 16);
      sockets.push({ localPort: port(cols[1]!), remotePort: port(cols[2]!), state: cols[3]!, inode: cols[9]! });
    }
  }
  return sockets;
}

/** TCP ports `pid` listens on (IPv4 and IPv6), ascending. */
export function listeningPorts(pid: number): number[] {
  const inodes = socketInodes(pid);
  if (inodes.size === 0) return [];
  const ports = new Set(tcpSockets().filter((s) => s.state === "0A" && inodes.has(s.inode)).map((s) => s.localPort));
  return [...ports].sort((a, b) => a - b);
}

/**
 * Local ports of the established TCP connections each of `pids` holds to `remotePort` on this machine, by pid: how
 * a server (Redis's `CLIENT LIST` names each client by its address) tells which of its clients a process is.
 */
export function connectionPortsTo(pids: number[], remotePort: number): Map<number, number[]> {
  const toRemote = new Map(tcpSockets().filter((s) => s.state === "01" && s.remotePort === remotePort).map((s) => [s.inode, s.localPort]));
  return new Map(
    pids.map((pid) => [
      pid,
      [...socketInodes(pid)]
        .map((inode) => toRemote.get(inode))
        .filter((port): port is number => port !== undefined)
        .sort((a, b) => a - b),
    ]),
  );
}

/** Bytes and calls of a process's read- and write-family syscalls so far (/proc/<pid>/io: rchar, wchar, syscr, syscw). */
export interface IoCounters {
  readBytes: number;
  writtenBytes: number;
  reads: number;
  writes: number;
}

/**
 * I/O counters of `pid`, or null when it is gone or not ours to read. `writes` counts write(2)/writev(2) calls,
 * which is how libuv writes to a socket (sendmsg is not counted, and Node does not use it for TCP).
 */
export function ioCounters(pid: number): IoCounters | null {
  try {
    const text = readFileSync(`/proc/${pid}/io`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)$`, "m").exec(text)?.[1] ?? NaN);
    const counters = { readBytes: field("rchar"), writtenBytes: field("wchar"), reads: field("syscr"), writes: field("syscw") };
    return Object.values(counters).every(Number.isFinite) ? counters : null;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine since boot (every core; /proc/stat minus idle and iowait). */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [, ...values] = line.trim().split(/\s+/);
  const n = values.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - (n[3] ?? 0) - (n[4] ?? 0)) / TICKS_PER_SECOND;
}

/**
 * What a process is in the report: part of the realtime tier under test
 * ("tier"), the web tier or a store ("backend"), work a design would put in
 * the web tier ("emitter", Socket.IO's room broadcasts), or the benchmark's
 * own load generators ("load").
 */
export type RoleKind = "tier" | "backend" | "emitter" | "load";

/** A named group of processes whose CPU is charged together (e.g. "realtime worker 1"). */
export interface ProcessRole {
  name: string;
  kind: RoleKind;
  pids: number[];
}

/** CPU seconds used by each role between `start()` and `stop()`. */
export interface CpuUsage {
  name: string;
  kind: RoleKind;
  pids: number[];
  cpuS: number;
}

/**
 * Measures CPU of a set of roles over a window, plus the machine's total busy
 * time. A process that exits during the window is left out of its role's sum
 * (its last CPU reading is gone with it).
 */
export class CpuWindow {
  private before = new Map<number, number>();
  private machineBefore = 0;
  private startedAt = 0;

  constructor(private readonly roles: ProcessRole[]) {}

  /** Marks the start of the window. */
  start(): void {
    this.startedAt = monotonicMs();
    this.machineBefore = machineBusySeconds();
    this.before = new Map();
    for (const pid of this.roles.flatMap((r) => r.pids)) {
      const cpu = cpuSeconds(pid);
      if (cpu !== null) this.before.set(pid, cpu);
    }
  }

  /**
   * Ends the window: CPU seconds per role, the machine's busy seconds, the wall
   * time, and the window's bounds on the shared monotonic clock (to cut CPU profiles to it).
   */
  stop(): { roles: CpuUsage[]; machineBusyS: number; wallS: number; fromMs: number; toMs: number } {
    const roles = this.roles.map((r) => ({
      name: r.name,
      kind: r.kind,
      pids: r.pids,
      cpuS: round3(sum(r.pids.map((pid) => this.delta(pid)))),
    }));
    const toMs = monotonicMs();
    return {
      roles,
      machineBusyS: round3(machineBusySeconds() - this.machineBefore),
      wallS: round3((toMs - this.startedAt) / 1000),
      fromMs: round3(this.startedAt),
      toMs: round3(toMs),
    };
  }

  private delta(pid: number): number {
    const start = this.before.get(pid);
    const end = cpuSeconds(pid);
    return start === undefined || end === null ? 0 : end - start;
  }
}

/**
 * Read and write syscalls (and bytes) of a set of processes between `start()`
 * and `stop()`, summed; a process not there at both ends is left out.
 */
export class IoWindow {
  private before = new Map<number, IoCounters>();

  constructor(private readonly pids: () => number[]) {}

  /** Marks the start of the window. */
  start(): void {
    this.before = new Map(this.pids().flatMap((pid): Array<[number, IoCounters]> => {
      const counters = ioCounters(pid);
      return counters ? [[pid, counters]] : [];
    }));
  }

  /** The counters' growth since `start()`, summed over the processes read at both ends. */
  stop(): IoCounters {
    const total: IoCounters = { readBytes: 0, writtenBytes: 0, reads: 0, writes: 0 };
    for (const pid of this.pids()) {
      const start = this.before.get(pid);
      const end = ioCounters(pid);
      if (!start || !end) continue;
      for (const key of Object.keys(total) as Array<keyof IoCounters>) total[key] += end[key] - start[key];
    }
    return total;
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Live memory of a set of processes right after a full garbage collection in each. */
export interface CollectedMemory {
  /** Resident set, bytes. */
  rss: number;
  /** V8 heap in use, bytes. */
  heapUsed: number;
}

/** Longest wait for a process to answer a memory probe: 5 s. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Asks each of `pids` (started with bench/memory-probe.mjs preloaded and
 * SENTINEL_BENCH_MEMORY_DIR=`dir`) to collect garbage and report its memory;
 * returns the sums. Throws if a process does not answer in time.
 */
export async function collectedMemory(pids: number[], dir: string): Promise<CollectedMemory> {
  const files = pids.map((pid) => path.join(dir, `${pid}.json`));
  for (const file of files) rmSync(file, { force: true });
  for (const pid of pids) process.kill(pid, "SIGUSR2");
  const deadline = Date.now() + PROBE_TIMEOUT_MS;
  while (!files.every((f) => existsSync(f))) {
    if (Date.now() > deadline) throw new Error(`memory probe: no answer from ${pids.filter((_, i) => !existsSync(files[i]!)).join(", ")}`);
    await sleep(20);
  }
  const usages = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as { rss: number; heapUsed: number });
  return { rss: sum(usages.map((u) => u.rss)), heapUsed: sum(usages.map((u) => u.heapUsed)) };
}

/**
 * Stops every process whose environment carries `name=value`: SIGTERM to the
 * outermost ones (a launcher or cluster primary stops its own children in
 * order), then SIGKILL to whatever still carries it after `graceMs` (default 5 s).
 */
export async function stopProcessesWithEnv(name: string, value: string, graceMs = 5_000): Promise<void> {
  const marked = processesWithEnv(name, value);
  const set = new Set(marked);
  for (const pid of marked) if (!set.has(parentOf(pid) ?? 0)) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (processesWithEnv(name, value).length > 0 && Date.now() < deadline) await sleep(100);
  for (const pid of processesWithEnv(name, value)) signal(pid, "SIGKILL");
}

/** Sends `sig` to `pid`, ignoring a process that is already gone. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

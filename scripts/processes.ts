import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** Project root. */
export const ROOT = path.resolve(__dirname, "..");

/** The folder of the demo's local data — embedded PostgreSQL, redis-server, simulator journals: `SENTINEL_DATA_DIR`, default `.sentinel/`. */
export function sentinelDataDir(): string {
  return path.resolve(ROOT, process.env.SENTINEL_DATA_DIR || ".sentinel");
}

/** One long-running server process of `npm start` / `npm run demo`. */
export interface ServerProcess {
  name: string;
  command: string;
  args: string[];
  /** Start it again when it dies on its own (with backoff if it keeps dying) instead of stopping the others. Default: false. */
  restartOnCrash?: boolean;
  /**
   * A helper the servers do not need (the demo's simulator): when it dies it
   * is started again `restarts` times, then reported with `whenGone` while the
   * others keep running. Default: none (its death stops the others).
   */
  optional?: { restarts: number; whenGone: string };
}

/** A process that dies sooner than this after starting counts as crash-looping: its restarts back off up to 30 s. */
const QUICK_DEATH_MS = 5_000;

/** The production server processes: the Next web server, the realtime sidecar cluster and the history writer. */
export function serverProcesses(port: number): ServerProcess[] {
  return [
    { name: "web", command: process.execPath, args: [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port)] },
    { name: "realtime", command: process.execPath, args: [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "realtime/main.ts"] },
    // Its stream keeps the points while it is down, so restarting it alone loses nothing.
    { name: "history", command: process.execPath, args: [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "history/main.ts"], restartOnCrash: true },
  ];
}

/**
 * Runs processes together with prefixed output; Ctrl-C (or SIGTERM) stops
 * them all. One that exits on its own is reported with its last lines of
 * output and the others are stopped too, unless it is marked
 * `restartOnCrash` (started again) or `optional` (see there).
 * Resolves with the exit code to use.
 */
export function runTogether(processes: ServerProcess[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  return new Promise((resolve) => {
    const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
    // Later processes depend on earlier ones (the simulator needs the web server to stop its patrols): stop in reverse.
    const stopAll = async (code: number) => {
      if (stopping) return;
      stopping = true;
      for (const child of [...children.values()].reverse()) {
        if (exited(child)) continue;
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await new Promise((r) => (exited(child) ? r(null) : child.once("exit", r)));
        clearTimeout(force);
      }
      resolve(code);
    };
    const launch = (p: ServerProcess, quickDeaths = 0, restartsLeft = p.optional?.restarts ?? 0) => {
      // Own process group: Ctrl-C reaches only us, so we can stop the children in order.
      const child = spawn(p.command, p.args, {
        cwd: ROOT,
        env: { NEXT_TELEMETRY_DISABLED: "1", ...env, NODE_ENV: "production" },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const startedAt = Date.now();
      // Its last lines of output: why it died, when it does.
      const tail: string[] = [];
      const relay = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
        const text = chunk.toString();
        tail.push(...text.split("\n").filter((line) => line.trim()));
        tail.splice(0, tail.length - 3);
        out.write(text.replace(/^(?=.)/gm, `[${p.name}] `));
      };
      child.stdout.on("data", relay(process.stdout));
      child.stderr.on("data", relay(process.stderr));
      child.on("exit", (code, signal) => {
        if (stopping) return;
        const died = `✗ [${p.name}] exited (${signal ?? `code ${code}`})${tail.length ? `; its last words:\n${tail.map((line) => `    ${line}`).join("\n")}` : "."}`;
        if (p.restartOnCrash) {
          const quick = Date.now() - startedAt < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
          const delayMs = quick > 0 ? Math.min(1_000 * 2 ** (quick - 1), 30_000) : 0;
          console.error(`${died}\n  Restarting it in ${delayMs} ms.`);
          setTimeout(() => {
            if (!stopping) launch(p, quick);
          }, delayMs);
          return;
        }
        if (p.optional && restartsLeft > 0) {
          console.error(`${died}\n  Starting it again (${restartsLeft === 1 ? "last try" : `${restartsLeft} tries left`}).`);
          launch(p, 0, restartsLeft - 1);
          return;
        }
        if (p.optional) {
          children.delete(p.name);
          console.error(`${died}\n  ${p.optional.whenGone}`);
          return;
        }
        console.error(`${died}\n  Stopping the others.`);
        void stopAll(code || 1);
      });
      children.set(p.name, child);
    };
    for (const p of processes) launch(p);
    process.on("SIGINT", () => void stopAll(0));
    process.on("SIGTERM", () => void stopAll(0));
    // Last resort if we die without stopping them: don't leave servers running.
    process.on("exit", () => {
      for (const child of children.values()) if (child.exitCode === null) child.kill("SIGKILL");
    });
  });
}

/**
 * The fleet simulator as a process of the demo: `vehicles` vehicles posting
 * every `intervalS` seconds. Started again once if it dies; the servers keep
 * running after a second death, with word of how to drive the cars by hand.
 */
export function simulatorProcess(vehicles: number, intervalS: number, phones = 0): ServerProcess {
  return {
    name: "simulator",
    optional: {
      restarts: 1,
      whenGone:
        "Web and realtime keep running, but no car moves on the map. Fix the cause above, then run " +
        `\`npm run simulate -- --vehicles ${vehicles} --interval ${intervalS}\` in another terminal.`,
    },
    command: process.execPath,
    args: [
      path.join(ROOT, "node_modules/tsx/dist/cli.mjs"),
      "scripts/simulate.ts",
      "--vehicles",
      String(vehicles),
      "--interval",
      String(intervalS),
      ...(phones ? ["--phones", String(phones)] : []),
    ],
  };
}

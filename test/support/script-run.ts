import { spawn, type ChildProcess } from "node:child_process";
import { ROOT } from "./stack";

/** A project script run as a child process, with everything it printed so far. */
export interface ScriptRun {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Runs `node --import tsx <script> …args` from the project root, recording its output; `running` holds it until it
 * exits, so a test's `afterAll` can kill what is left. `detached` puts it in a process group of its own, as a
 * terminal would (a SIGINT to the group is a Ctrl-C).
 */
export function runScript(script: string, args: string[], opts: { env: NodeJS.ProcessEnv; detached?: boolean; running: Set<ChildProcess> }): ScriptRun {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: opts.env,
    detached: opts.detached ?? false,
    stdio: ["ignore", "pipe", "pipe"],
  });
  opts.running.add(child);
  let text = "";
  child.stdout!.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      opts.running.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => text, exited };
}

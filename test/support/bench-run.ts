import { spawn } from "node:child_process";
import { ROOT } from "./stack";

/**
 * Runs `tsx bench/run.ts …args` from the repository root for the bench smoke tests; SIGTERMed after `timeoutMs`
 * (it then stops its stack). Resolves with the exit code and the output's last 6,000 characters.
 */
export function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "bench/run.ts", ...args], {
      cwd: ROOT,
      // Never the suite's Redis Cluster (the integration-cluster project's environment): the benchmark brings its own.
      env: { ...process.env, REDIS_CLUSTER_NODES: "" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      killSignal: "SIGTERM",
    });
    let output = "";
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6_000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("close", (code) => resolve({ code, output }));
  });
}

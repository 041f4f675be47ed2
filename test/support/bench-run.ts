import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
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

/**
 * Runs `tsx bench/run.ts …args --json <file>` (`runBench`) with the JSON report written to a temporary directory, and
 * returns the exit code, the output's tail and the report (null when none was written), the directory removed.
 */
export async function runBenchReport<R>(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string; report: R | null }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sentinel-bench-"));
  try {
    const file = path.join(dir, "report.json");
    const { code, output } = await runBench([...args, "--json", file], timeoutMs);
    let report: R | null = null;
    try {
      report = JSON.parse(readFileSync(file, "utf8")) as R;
    } catch {
      // No report: the exit code and output say why.
    }
    return { code, output, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

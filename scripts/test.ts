// npm test – lint, typecheck, build, unit, integration (real PostgreSQL + Redis), integration-cluster (the Redis-facing
// suites again, on a private Redis Cluster) and e2e (Chromium).
// Prints one closing line summing every runner: `N passed, N failed`, including a last check that the run left
// no process behind.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { commandLine, listeningPorts, processesWithEnv, stopProcessesWithEnv } from "../test/support/load/proc";
import { checkServices } from "./services";

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, ".tmp", "test-results");
/**
 * Every process of this run inherits `SENTINEL_TEST_RUN=<id of this run>`, so what it left behind is found by that
 * marker in /proc/<pid>/environ — never a process of another run or another user on a shared machine.
 */
const RUN_MARKER = "SENTINEL_TEST_RUN";
const RUN_ID = `${process.pid}-${randomBytes(6).toString("hex")}`;
/** How long processes of the run may take to finish exiting after its last step: 10 s. */
const LEFTOVER_GRACE_MS = 10_000;

interface StepResult {
  name: string;
  passed: number;
  failed: number;
  seconds: number;
}

function run(name: string, cmd: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n━━ ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", [RUN_MARKER]: RUN_ID, ...env } });
  return r.status === 0;
}

/** Counts from a vitest `--reporter=json` file; a missing file counts as one failure. */
function vitestCounts(file: string): { passed: number; failed: number } {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const report = JSON.parse(readFileSync(file, "utf8")) as { numPassedTests: number; numFailedTests: number; numFailedTestSuites: number };
  return { passed: report.numPassedTests, failed: report.numFailedTests + (report.numFailedTests ? 0 : report.numFailedTestSuites) };
}

/** Counts from Playwright's JSON reporter. */
function playwrightCounts(file: string): { passed: number; failed: number } {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const report = JSON.parse(readFileSync(file, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number } };
  return { passed: report.stats.expected + report.stats.flaky, failed: report.stats.unexpected };
}

/** A step that failed (a global setup that threw, a crash) though its report counts no failed test: one failure. */
function failedWithoutCount(ok: boolean, counts: { passed: number; failed: number }): { passed: number; failed: number } {
  return !ok && counts.failed === 0 ? { ...counts, failed: 1 } : counts;
}

/**
 * Processes this run started that are still running after its last step (given LEFTOVER_GRACE_MS to exit): lists
 * each with the ports it listens on, then stops them so they do not outlive the run. Returns how many there were.
 */
async function leftoverProcesses(): Promise<number> {
  console.log(`\n━━ leftovers: processes still carrying ${RUN_MARKER}=${RUN_ID}`);
  const deadline = Date.now() + LEFTOVER_GRACE_MS;
  let pids = processesWithEnv(RUN_MARKER, RUN_ID);
  while (pids.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    pids = processesWithEnv(RUN_MARKER, RUN_ID);
  }
  if (pids.length === 0) {
    console.log("none: every process a test started was stopped");
    return 0;
  }
  for (const pid of pids) {
    const ports = listeningPorts(pid);
    console.log(`  pid ${pid}${ports.length ? ` listening on ${ports.join(", ")}` : ""}: ${commandLine(pid).slice(0, 200)}`);
  }
  console.log(`${pids.length} process(es) outlived the step that started them; stopping them now.`);
  await stopProcessesWithEnv(RUN_MARKER, RUN_ID);
  return pids.length;
}

async function main() {
  // The suites create (and drop) their own databases: the default one is not made here.
  await checkServices({ postgres: true, redis: false, createDatabase: false });
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const only = process.argv.slice(2);
  const want = (step: string) => only.length === 0 || only.includes(step);
  const results: StepResult[] = [];
  const timed = (name: string, fn: () => { passed: number; failed: number }) => {
    const start = Date.now();
    const counts = fn();
    results.push({ name, ...counts, seconds: Math.round((Date.now() - start) / 1000) });
  };

  if (want("lint")) timed("lint", () => (run("lint", "npx", ["eslint", "."]) ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }));
  if (want("typecheck"))
    timed("typecheck", () => (run("typecheck", "npx", ["tsc", "--noEmit"]) ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }));
  let built = true;
  if (want("integration") || want("integration-cluster") || want("e2e") || want("build")) {
    timed("build", () => {
      built = run("build", "npx", ["next", "build"]);
      return built ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
    });
  }
  for (const project of ["unit", "integration", "integration-cluster"] as const) {
    if (!want(project) || (project !== "unit" && !built)) continue;
    const file = path.join(OUT, `${project}.json`);
    timed(project, () => {
      const ok = run(project, "npx", ["vitest", "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${file}`]);
      return failedWithoutCount(ok, vitestCounts(file));
    });
  }
  if (want("e2e") && built) {
    const file = path.join(OUT, "e2e.json");
    timed("e2e", () => {
      const ok = run("e2e", "npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
      return failedWithoutCount(ok, playwrightCounts(file));
    });
  }

  const start = Date.now();
  const leftovers = await leftoverProcesses();
  results.push({ name: "leftovers", passed: leftovers ? 0 : 1, failed: leftovers ? 1 : 0, seconds: Math.round((Date.now() - start) / 1000) });

  console.log("\n━━ summary");
  for (const r of results) console.log(`${r.name.padEnd(12)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  (${r.seconds}s)`);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  console.log("0 passed, 1 failed");
  process.exit(1);
});

// npm test – lint, typecheck, build, unit, integration (real PostgreSQL + Redis) and e2e (Chromium).
// Prints one closing line summing every runner: `N passed, N failed`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { checkServices } from "./services";

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, ".tmp", "test-results");

interface StepResult {
  name: string;
  passed: number;
  failed: number;
  seconds: number;
}

function run(name: string, cmd: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n━━ ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env } });
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

async function main() {
  await checkServices({ postgres: true, redis: false });
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
  if (want("integration") || want("e2e") || want("build")) {
    timed("build", () => {
      built = run("build", "npx", ["next", "build"]);
      return built ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
    });
  }
  for (const project of ["unit", "integration"] as const) {
    if (!want(project) || (project === "integration" && !built)) continue;
    const file = path.join(OUT, `${project}.json`);
    timed(project, () => {
      run(project, "npx", ["vitest", "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${file}`]);
      return vitestCounts(file);
    });
  }
  if (want("e2e") && built) {
    const file = path.join(OUT, "e2e.json");
    timed("e2e", () => {
      run("e2e", "npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
      return playwrightCounts(file);
    });
  }

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

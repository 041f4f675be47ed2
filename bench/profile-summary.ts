// tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--from MS --to MS] – where a process's CPU went
// (profiles from `npm run bench -- --profile DIR`; --from/--to cut it to a window's cpu.fromMs/toMs in the JSON report).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../test/support/stack";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  /** Microseconds on the monotonic clock (CLOCK_MONOTONIC, the benchmark's `monotonicMs` × 1000). */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, a project file, Node's internals, or V8's pseudo-frames. */
function moduleOf(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, "") || "native"})`;
  const clean = url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(clean);
  if (pkg) return pkg[1]!;
  if (clean.startsWith("node:")) return clean;
  return path.relative(ROOT, clean);
}

/**
 * Self and inclusive CPU milliseconds per function, and self milliseconds per
 * module (idle time left out), over the samples taken between `fromMs` and
 * `toMs` on the monotonic clock (default: all).
 */
export function summarise(
  profile: Profile,
  fromMs = -Infinity,
  toMs = Infinity,
): {
  totalMs: number;
  byModule: Array<[string, number]>;
  bySelf: Array<[string, number]>;
  byTotal: Array<[string, number]>;
} {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${moduleOf(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const byModule = new Map<string, number>();
  let totalMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    at += profile.timeDeltas[i] ?? 0;
    if (at / 1000 < fromMs || at / 1000 > toMs) return;
    const node = nodes.get(id);
    // Idle samples are time the process waited, not CPU it used.
    if (!node || node.callFrame.functionName === "(idle)") return;
    totalMs += ms;
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + ms);
    const mod = moduleOf(node.callFrame.url, node.callFrame.functionName);
    byModule.set(mod, (byModule.get(mod) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: ProfileNode | undefined = node; cur; cur = nodes.get(parent.get(cur.id) ?? -1)) {
      const l = label(cur);
      if (!seen.has(l)) total.set(l, (total.get(l) ?? 0) + ms);
      seen.add(l);
    }
  });
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs, byModule: sorted(byModule), bySelf: sorted(self), byTotal: sorted(total) };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" }, from: { type: "string" }, to: { type: "string" } },
  });
  const file = positionals[0];
  if (!file) {
    console.error("Usage: tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--from MS --to MS]  (a window's cpu.fromMs/toMs from the JSON report)");
    process.exit(1);
  }
  const top = Number(values.top);
  const s = summarise(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(values.from ?? -Infinity), Number(values.to ?? Infinity));
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms`;
  console.log(`${file}: ${s.totalMs.toFixed(0)} ms sampled`);
  for (const [title, rows] of [
    ["self time by module", s.byModule],
    ["self time by function", s.bySelf],
    ["inclusive time by function", s.byTotal],
  ] as const) {
    console.log(`\n${title}:`);
    for (const [name, ms] of rows.slice(0, top)) console.log(`  ${pct(ms)}  ${name}`);
  }
}

main();

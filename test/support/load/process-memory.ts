import { readdirSync, readFileSync } from "node:fs";

/** Memory of processes, read from Linux's /proc (the soak watches processes it did not start itself, e.g. cluster workers). */

/** Resident memory of `pid` in bytes (VmRSS); 0 when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Direct children of `pid`, ascending. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // After "pid (comm) state": the parent pid. comm may hold spaces and parentheses.
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return out.sort((a, b) => a - b);
}

/** The value of a gauge in Prometheus text (summed over its series), or null when absent. */
export function promGauge(text: string, name: string): number | null {
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].map((m) => Number(m[1]));
  return values.length ? values.reduce((a, b) => a + b, 0) : null;
}

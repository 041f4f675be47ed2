import { describe, expect, it } from "vitest";
import { SHARD_BALANCE_TOLERANCE, imbalance } from "./cluster-tier";
import type { ClusterBenchReport } from "./report";
import { runBenchReport } from "../test/support/bench-run";

/** The quick cluster tier must finish well inside this: 180 s (it takes under a minute on a quiet machine). */
const RUN_TIMEOUT_MS = 180_000;

describe("npm run bench -- --cluster --quick", () => {
  it(
    "streams the same fleet to the same dashboards on one Redis and on a 3-master Redis Cluster, every frame delivered, the shards' commands and output balanced",
    async () => {
      const { code, output, report: written } = await runBenchReport<ClusterBenchReport>(["--cluster", "--quick"], RUN_TIMEOUT_MS);
      expect(code, output).toBe(0);
      const report = written!;
      expect(output).toContain("## Redis Cluster: the streaming tier on one Redis and on a Redis Cluster");
      const { single, cluster, masters } = report.cluster;

      expect(masters).toBe(3);
      for (const layout of [single, cluster]) {
        const d = layout.streaming.window.delivery;
        expect(layout.streaming.connect.failed, layout.redis).toBe(0);
        expect(d.expected, layout.redis).toBeGreaterThan(0);
        expect(d.delivered, `${layout.redis}: delivered/expected`).toBe(d.expected);
        expect(d.outOfScope + d.snapshotOutOfScope, `${layout.redis}: out-of-scope frames`).toBe(0);
        expect(layout.streaming.window.accepted, layout.redis).toBe(layout.streaming.window.paced.sent);
      }
      // Both layouts ran the same scenario: the same dashboards (the paced sends may differ by a point or two).
      expect(cluster.streaming.connect.clients).toBe(single.streaming.connect.clients);
      expect(cluster.streaming.connect.clients).toBe(report.scenario.clients);

      expect(single.shards).toHaveLength(1);
      expect(single.shards[0]!.slots).toBe(16_384);
      expect(cluster.shards).toHaveLength(3);
      expect(cluster.shards.reduce((n, s) => n + s.slots, 0)).toBe(16_384);
      for (const shard of cluster.shards) {
        expect(shard.commands, shard.node).toBeGreaterThan(0);
        expect(shard.netOutBytes, shard.node).toBeGreaterThan(0);
      }
      expect(imbalance(cluster.shards, (s) => s.commands)).toBeLessThanOrEqual(SHARD_BALANCE_TOLERANCE);
      expect(imbalance(cluster.shards, (s) => s.netOutBytes)).toBeLessThanOrEqual(SHARD_BALANCE_TOLERANCE);
      expect(report.targets.length).toBe(4);
      expect(report.targets.filter((t) => !t.met)).toEqual([]);
    },
    RUN_TIMEOUT_MS + 10_000,
  );
});

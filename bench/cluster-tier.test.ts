import { describe, expect, it } from "vitest";
import { imbalance, type ShardLoad } from "./cluster-tier";
import { parseScenario } from "./scenario";

const shard = (commands: number): ShardLoad => ({ node: `n${commands}`, slots: 5461, commands, netOutBytes: 0, cpuS: 0 });

describe("imbalance", () => {
  it("is the largest distance of a shard from the mean, relative to it", () => {
    expect(imbalance([shard(100), shard(100), shard(100)], (s) => s.commands)).toBe(0);
    expect(imbalance([shard(80), shard(100), shard(120)], (s) => s.commands)).toBeCloseTo(0.2);
    expect(imbalance([shard(0), shard(0), shard(300)], (s) => s.commands)).toBeCloseTo(2);
  });

  it("is 0 when nothing was counted", () => {
    expect(imbalance([shard(0), shard(0)], (s) => s.commands)).toBe(0);
  });
});

describe("--cluster", () => {
  it("runs the cluster tier alone, with the streaming tier's rate, dashboards and window", () => {
    const s = parseScenario(["--cluster", "--rate", "400", "--clients", "50", "--window", "5"]);
    expect(s).toMatchObject({ clusterTier: true, cityTier: "off", mapTier: "off", rate: 400, clients: 50, windowS: 5 });
  });

  it("refuses to share the run with --city or --map", () => {
    expect(() => parseScenario(["--cluster", "--city"])).toThrow(/--cluster runs one tier alone/);
    expect(() => parseScenario(["--cluster", "--map"])).toThrow(/--cluster runs one tier alone/);
  });
});

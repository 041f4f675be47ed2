import { Redis } from "ioredis";
import { parseInfo } from "../test/support/redis-cluster";
import type { StreamingReport, WindowCompanion } from "./phases";

/**
 * The Redis Cluster tier (issue #15, `npm run bench -- --cluster`): the streaming tier — the same fleet, dashboards,
 * rate and window — on one Redis and then on a 3-master Redis Cluster, with each Redis server's commands, network
 * output and CPU counted over the window (INFO before and after), so the shards' balance shows.
 */

/** One Redis server's work over a window. */
export interface ShardLoad {
  /** "host:port". */
  node: string;
  /** Hash slots it serves (16384 for a single Redis). */
  slots: number;
  /** Commands it processed (`total_commands_processed`). */
  commands: number;
  /** Bytes it wrote to clients (`total_net_output_bytes`): replies and pub/sub pushes. */
  netOutBytes: number;
  /** CPU seconds (`used_cpu_user` + `used_cpu_sys`). */
  cpuS: number;
}

/** The streaming window on one Redis layout, with each server's load. */
export interface ClusterWindowReport {
  redis: "single" | "cluster";
  streaming: StreamingReport;
  shards: ShardLoad[];
}

/** The tier's result: one Redis, then the cluster. */
export interface ClusterTierReport {
  masters: number;
  single: ClusterWindowReport;
  cluster: ClusterWindowReport;
}

/** How far a shard's share may stray from an even split before the tier calls the cluster unbalanced: ±20 %. */
export const SHARD_BALANCE_TOLERANCE = 0.2;

/** Largest relative distance of any shard's `value` from the shards' mean (0 = perfectly even). */
export function imbalance(shards: ShardLoad[], value: (s: ShardLoad) => number): number {
  const values = shards.map(value);
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return mean ? Math.max(...values.map((v) => Math.abs(v - mean) / mean)) : 0;
}

/** A window companion reading INFO of every server (`nodes`, "host:port") right before and after the window. */
export class ShardCounters implements WindowCompanion {
  result: ShardLoad[] | null = null;
  private readonly clients: Array<{ node: string; redis: Redis }>;
  private before: Array<Omit<ShardLoad, "node" | "slots">> = [];

  constructor(
    nodes: string[],
    /** Hash slots each node serves, by "host:port" (a single Redis: none, counted as all 16384). */
    private readonly slotsOf: (node: string) => number,
  ) {
    this.clients = nodes.map((node) => {
      const at = node.lastIndexOf(":");
      return { node, redis: new Redis({ host: node.slice(0, at), port: Number(node.slice(at + 1)), lazyConnect: true, maxRetriesPerRequest: 2 }) };
    });
  }

  async start(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.redis.connect()));
    this.before = await this.read();
  }

  async stop(): Promise<void> {
    const after = await this.read();
    this.result = this.clients.map(({ node }, i) => ({
      node,
      slots: this.slotsOf(node),
      commands: after[i]!.commands - this.before[i]!.commands,
      netOutBytes: after[i]!.netOutBytes - this.before[i]!.netOutBytes,
      cpuS: Math.round((after[i]!.cpuS - this.before[i]!.cpuS) * 1000) / 1000,
    }));
    for (const c of this.clients) c.redis.disconnect();
  }

  /** Closes the connections if the window failed before `stop()`. */
  close(): void {
    for (const c of this.clients) c.redis.disconnect();
  }

  private read(): Promise<Array<Omit<ShardLoad, "node" | "slots">>> {
    return Promise.all(
      this.clients.map(async ({ redis }) => {
        const info = parseInfo(await redis.info());
        const field = (name: string) => Number(info.get(name) ?? 0);
        return { commands: field("total_commands_processed"), netOutBytes: field("total_net_output_bytes"), cpuS: field("used_cpu_user") + field("used_cpu_sys") };
      }),
    );
  }
}

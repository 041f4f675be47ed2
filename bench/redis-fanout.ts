import { Redis } from "ioredis";
import { connectionPortsTo } from "../test/support/load/proc";

/**
 * Redis → worker traffic of a realtime tier over a measured window. Redis 7.0
 * keeps no output counters per client (`CLIENT LIST` has no tot-net-out), so
 * the traffic is counted from both ends of the pub/sub routing instead:
 * - what was published: a tap connection of the benchmark's own, pattern-subscribed
 *   to every channel (`*`), sees each message published in the window once, with
 *   its channel and payload bytes;
 * - who received it: the tier's worker connections, found in `CLIENT LIST` by the
 *   local ports /proc shows each worker holding towards Redis. A message on
 *   channel C reaches `PUBSUB NUMSUB C` connections subscribed to C exactly, plus
 *   every worker connection holding a pattern that matches C. `PUBSUB NUMPAT`
 *   cannot count those (since Redis 7 it counts unique patterns, not the
 *   connections holding them), so each tier declares the patterns its workers
 *   hold (checked against their `psub` counts) and the tap subscribes them too:
 *   Redis then tells the tap, message by message, which of them match.
 * NUMSUB counts every connection subscribed to C, not only workers: during a
 * tier's window only its workers subscribe to channels that carry traffic (the
 * web tier publishes, the stack's own sidecar then holds no dashboard, the
 * Socket.IO emitter bridge and the tap hold patterns). Subscriptions must not
 * change during the window (checked: every worker connection's `sub` and
 * `psub` are read before and after it).
 *
 * A cross-check comes with it: Redis's own `total_net_output_bytes` over the
 * window, which counts every connection (replies to the web tier's scripts and
 * PUBLISHes, other subscribers such as the Socket.IO emitter bridge; the tap's
 * own pushes are taken out).
 */

/** Bytes of a RESP bulk string of `n` bytes: `$<n>\r\n<bytes>\r\n`. */
export const bulkBytes = (n: number) => 1 + String(n).length + 2 + n + 2;

/** Bytes of a `message` push (RESP2 `*3`, as RESP3's `>3`) to a channel subscriber, but for the payload's bulk string: "message", channel. */
export function messageFramingBytes(channelBytes: number): number {
  return 4 + bulkBytes(7) + bulkBytes(channelBytes);
}

/** Bytes of a `pmessage` push to a pattern subscriber, but for the payload's bulk string: "pmessage", pattern, channel. */
export function pmessageFramingBytes(patternBytes: number, channelBytes: number): number {
  return 4 + bulkBytes(8) + bulkBytes(patternBytes) + bulkBytes(channelBytes);
}

/** Redis → worker traffic of one window (see the module comment). */
export interface RedisFanoutReport {
  /** Messages published in the window, on every channel (the tap's count). */
  published: number;
  /** Pushes Redis sent to the tier's worker connections for them: Σ over messages of the worker connections receiving each. */
  messages: number;
  /** RESP bytes of those pushes (push framing, channel, pattern for pattern subscribers, payload). */
  bytes: number;
  /** Worker connections to Redis, and the channel (`sub`) and pattern (`psub`) subscriptions they held during the window. */
  workerConnections: number;
  channelSubscriptions: number;
  patternSubscriptions: number;
  /** Every worker connection held the same subscriptions before and after the window (else the counts are not sound). */
  stable: boolean;
  /** Cross-check: Redis's total_net_output_bytes over the window, every connection (this tap's own share removed). */
  redisOutputBytes: number;
}

/** Channel and pattern subscriptions of one Redis client. */
interface ClientSubscriptions {
  sub: number;
  psub: number;
}

/** What the tap saw on one channel through one of its patterns. */
interface ChannelTally {
  messages: number;
  /** Σ of the payloads' bulk strings (`bulkBytes`). */
  payloadBulkBytes: number;
}

/** The pattern that sees every message. */
const EVERYTHING = "*";

/**
 * Counts a tier's Redis → worker traffic over a window: `start()` right before
 * it, `stop()` right after (see the module comment).
 */
export class RedisFanoutProbe {
  private tap: Redis | null = null;
  private command: Redis | null = null;
  /** pattern → channel → tally. */
  private seen = new Map<string, Map<string, ChannelTally>>();
  private before = new Map<string, ClientSubscriptions>();
  private outputBefore = 0;

  constructor(
    private readonly redisUrl: string,
    /** Port of that Redis on 127.0.0.1 (to find the workers' connections to it). */
    private readonly redisPort: number,
    /** The tier's worker pids. */
    private readonly workerPids: () => number[],
    /** Patterns each subscribed worker connection holds (e.g. the firehose's `live:patrol:*`); none for Sentinel. */
    private readonly workerPatterns: string[],
  ) {}

  /** Reads the workers' subscriptions and Redis's output counter, and subscribes the tap. */
  async start(): Promise<void> {
    const connect = async () => {
      // RESP2, so the INFO reply taken out below is a plain bulk string (pushes are the same size in RESP2 and RESP3).
      const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, protocol: 2 });
      // A lost connection fails the window's next command (stop() then throws); the event itself needs no action.
      redis.on("error", () => undefined);
      await redis.connect();
      return redis;
    };
    const [tap, command] = await Promise.all([connect(), connect()]);
    this.tap = tap;
    this.command = command;
    this.seen = new Map([EVERYTHING, ...this.workerPatterns].map((p) => [p, new Map()]));
    tap.on("pmessageBuffer", (pattern: Buffer, channel: Buffer, payload: Buffer) => {
      const byChannel = this.seen.get(pattern.toString());
      if (!byChannel) return;
      const name = channel.toString();
      const tally = byChannel.get(name) ?? { messages: 0, payloadBulkBytes: 0 };
      tally.messages++;
      tally.payloadBulkBytes += bulkBytes(payload.length);
      byChannel.set(name, tally);
    });
    await tap.psubscribe(EVERYTHING, ...this.workerPatterns);
    this.before = await this.workerSubscriptions(command);
    const info = await command.info("stats");
    // The reply to this INFO is written after it took the counter: it counts in the window, and is taken out again.
    this.outputBefore = totalNetOutputBytes(info) + bulkBytes(Buffer.byteLength(info));
  }

  /** Ends the tap and computes the window's traffic. */
  async stop(): Promise<RedisFanoutReport> {
    const { tap, command } = this;
    if (!tap || !command) throw new Error("RedisFanoutProbe.stop() before start()");
    const outputBytes = totalNetOutputBytes(await command.info("stats")) - this.outputBefore;
    // Redis answers the tap's PING after every push it wrote to it before: the tallies are complete then.
    await tap.ping();
    const after = await this.workerSubscriptions(command);
    const published = this.seen.get(EVERYTHING)!;
    const channels = [...published.keys()];
    const numsub = channels.length ? ((await command.call("PUBSUB", "NUMSUB", ...channels)) as Array<string | number>) : [];
    this.tap = this.command = null;
    tap.disconnect();
    command.disconnect();

    const holders = [...after.values()].filter((c) => c.psub > 0).length;
    for (const c of after.values()) {
      if (c.psub > 0 && c.psub !== this.workerPatterns.length) throw new Error(`a worker connection holds ${c.psub} patterns; the tier declares ${this.workerPatterns.length}`);
    }
    let messages = 0;
    let bytes = 0;
    let tapBytes = 0;
    channels.forEach((name, i) => {
      const tally = published.get(name)!;
      const subscribers = Number(numsub[2 * i + 1]);
      messages += subscribers * tally.messages;
      bytes += subscribers * pushBytes(tally, messageFramingBytes(Buffer.byteLength(name)));
      tapBytes += pushBytes(tally, pmessageFramingBytes(EVERYTHING.length, Buffer.byteLength(name)));
    });
    for (const pattern of this.workerPatterns) {
      for (const [name, tally] of this.seen.get(pattern)!) {
        const push = pushBytes(tally, pmessageFramingBytes(Buffer.byteLength(pattern), Buffer.byteLength(name)));
        messages += holders * tally.messages;
        bytes += holders * push;
        tapBytes += push;
      }
    }
    const sum = (key: keyof ClientSubscriptions) => [...after.values()].reduce((a, c) => a + c[key], 0);
    return {
      published: [...published.values()].reduce((a, t) => a + t.messages, 0),
      messages,
      bytes,
      workerConnections: after.size,
      channelSubscriptions: sum("sub"),
      patternSubscriptions: sum("psub"),
      stable: sameSubscriptions(this.before, after),
      redisOutputBytes: outputBytes - tapBytes,
    };
  }

  /** Ends the tap without a report (a window that failed). */
  close(): void {
    this.tap?.disconnect();
    this.command?.disconnect();
    this.tap = this.command = null;
  }

  /** `sub` and `psub` of every connection the tier's workers hold to Redis, by the connection's address. */
  private async workerSubscriptions(redis: Redis): Promise<Map<string, ClientSubscriptions>> {
    const ports = new Set([...connectionPortsTo(this.workerPids(), this.redisPort).values()].flat());
    const out = new Map<string, ClientSubscriptions>();
    for (const line of String(await redis.call("CLIENT", "LIST")).split("\n")) {
      const fields = new Map(line.trim().split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
      const addr = fields.get("addr") ?? "";
      if (!ports.has(Number(addr.slice(addr.lastIndexOf(":") + 1)))) continue;
      out.set(addr, { sub: Number(fields.get("sub")), psub: Number(fields.get("psub")) });
    }
    return out;
  }
}

/** Bytes of every push of a channel's tally: the framing of each plus the payloads' bulk strings. */
function pushBytes(tally: ChannelTally, framingBytes: number): number {
  return tally.messages * framingBytes + tally.payloadBulkBytes;
}

/** True when both readings list the same connections with the same counts. */
function sameSubscriptions(a: Map<string, ClientSubscriptions>, b: Map<string, ClientSubscriptions>): boolean {
  if (a.size !== b.size) return false;
  for (const [addr, x] of a) {
    const y = b.get(addr);
    if (!y || y.sub !== x.sub || y.psub !== x.psub) return false;
  }
  return true;
}

/** Redis's `total_net_output_bytes` in an `INFO stats` reply. */
function totalNetOutputBytes(info: string): number {
  const value = /^total_net_output_bytes:(\d+)/m.exec(info)?.[1];
  if (value === undefined) throw new Error("INFO stats has no total_net_output_bytes");
  return Number(value);
}

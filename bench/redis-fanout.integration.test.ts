import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../test/support/load/clock";
import { startRedis, type PrivateRedis } from "../test/support/stack";
import { bulkBytes, messageFramingBytes, pmessageFramingBytes, RedisFanoutProbe } from "./redis-fanout";

// "Workers" are redis-cli processes holding subscriptions, so the probe finds their connections by pid as it finds a
// tier's; an outsider subscribed to everything is a process whose traffic must not count.
let redis: PrivateRedis;
let publisher: Redis;
const clis: ChildProcess[] = [];

function subscriber(...args: string[]): ChildProcess {
  const child = spawn("redis-cli", ["-p", String(redis.port), ...args], { stdio: ["ignore", "ignore", "ignore"] });
  clis.push(child);
  return child;
}

/** Waits until `channel` has `n` exact subscribers and `patterns` unique patterns are held. */
async function subscribed(channels: Record<string, number>, patterns: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const numsub = (await publisher.call("PUBSUB", "NUMSUB", ...Object.keys(channels))) as Array<string | number>;
    const numpat = Number(await publisher.call("PUBSUB", "NUMPAT"));
    if (Object.values(channels).every((n, j) => Number(numsub[2 * j + 1]) === n) && numpat === patterns) return;
    await sleep(50);
  }
  throw new Error("subscribers did not come up");
}

beforeAll(async () => {
  redis = await startRedis();
  publisher = new Redis(redis.url, { protocol: 2 });
});

afterAll(async () => {
  for (const child of clis) child.kill("SIGKILL");
  publisher?.disconnect();
  await redis?.stop();
});

describe("RedisFanoutProbe", () => {
  it("counts the pushes and bytes Redis sends the tier's worker connections, channel and pattern subscribers alike, and nobody else's", async () => {
    const a = subscriber("subscribe", "live:patrol:1", "live:patrol:2");
    const b = subscriber("subscribe", "live:patrol:1");
    const c = subscriber("psubscribe", "live:patrol:*");
    subscriber("psubscribe", "*"); // not a worker
    await subscribed({ "live:patrol:1": 2, "live:patrol:2": 1 }, 2);

    const probe = new RedisFanoutProbe(redis.url, redis.port, () => [a.pid!, b.pid!, c.pid!], ["live:patrol:*"]);
    await probe.start();
    const payloads = ["x".repeat(9), "y".repeat(120), "z".repeat(1000)];
    let publishReplies = 0;
    let expectedMessages = 0;
    let expectedBytes = 0;
    for (const payload of payloads) {
      for (const [channel, subscribers] of [
        ["live:patrol:1", 2],
        ["live:patrol:2", 1],
        ["live:patrol:3", 0],
        ["control:zone:1", 0],
      ] as const) {
        const receivers = await publisher.publish(channel, payload);
        publishReplies += `:${receivers}\r\n`.length;
        const matchesPattern = channel.startsWith("live:patrol:") ? 1 : 0;
        // Receivers as Redis counted them: the workers', the outsider's `*` and the probe's own tap (`*`, plus its copy of the pattern).
        expect(receivers).toBe(subscribers + matchesPattern + 1 + 1 + matchesPattern);
        expectedMessages += subscribers + matchesPattern;
        expectedBytes +=
          subscribers * (messageFramingBytes(channel.length) + bulkBytes(payload.length)) +
          matchesPattern * (pmessageFramingBytes("live:patrol:*".length, channel.length) + bulkBytes(payload.length));
      }
    }
    const report = await probe.stop();

    expect(report.published).toBe(payloads.length * 4);
    expect(report.messages).toBe(expectedMessages);
    expect(report.bytes).toBe(expectedBytes);
    expect(report).toMatchObject({ workerConnections: 3, channelSubscriptions: 3, patternSubscriptions: 1, stable: true });
    // Redis's own counter agrees byte for byte: the workers' pushes, the outsider's (all `*` pmessages) and the PUBLISH replies.
    const outsider = payloads.length * ["live:patrol:1", "live:patrol:2", "live:patrol:3", "control:zone:1"].reduce(
      (sum, channel) => sum + pmessageFramingBytes(1, channel.length),
      0,
    ) + 4 * payloads.reduce((sum, p) => sum + bulkBytes(p.length), 0);
    expect(report.redisOutputBytes).toBe(expectedBytes + outsider + publishReplies);
  });

  it("says the counts are unsound when a worker's subscriptions change during the window", async () => {
    const a = subscriber("subscribe", "live:patrol:7");
    await subscribed({ "live:patrol:7": 1 }, 2);
    const probe = new RedisFanoutProbe(redis.url, redis.port, () => [a.pid!], []);
    await probe.start();
    a.kill("SIGKILL");
    await subscribed({ "live:patrol:7": 0 }, 2);
    expect((await probe.stop()).stable).toBe(false);
  });
});

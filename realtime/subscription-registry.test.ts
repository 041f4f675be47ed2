import { describe, expect, it } from "vitest";
import { SubscriptionRegistry, type ChannelSubscriber } from "./subscription-registry";

/** Records every command; SUBSCRIBE replies only when the test says so. */
class RecordingSubscriber implements ChannelSubscriber {
  readonly commands: string[] = [];
  private readonly replies: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  subscribe(channels: string[]): Promise<void> {
    this.commands.push(`SUBSCRIBE ${channels.join(" ")}`);
    return new Promise((resolve, reject) => this.replies.push({ resolve, reject }));
  }

  unsubscribe(channels: string[]): Promise<void> {
    this.commands.push(`UNSUBSCRIBE ${channels.join(" ")}`);
    return Promise.resolve();
  }

  confirmAll(): void {
    for (const r of this.replies.splice(0)) r.resolve();
  }

  failAll(): void {
    for (const r of this.replies.splice(0)) r.reject(new Error("connection lost"));
  }
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

function setup() {
  const redis = new RecordingSubscriber();
  const errors: string[][] = [];
  const registry = new SubscriptionRegistry<string>(redis, (_err, channels) => errors.push(channels));
  return { redis, registry, errors };
}

describe("SubscriptionRegistry", () => {
  it("subscribes a channel once, for its first client, in one command per acquire", async () => {
    const { redis, registry } = setup();
    const a = registry.acquire("alice", ["control:zone:1", "live:patrol:1", "live:patrol:2"]);
    const b = registry.acquire("bob", ["live:patrol:2", "live:patrol:3"]);
    redis.confirmAll();
    await Promise.all([a, b]);
    expect(redis.commands).toEqual(["SUBSCRIBE control:zone:1 live:patrol:1 live:patrol:2", "SUBSCRIBE live:patrol:3"]);
    expect([...(registry.clientsOf("live:patrol:2") ?? [])].sort()).toEqual(["alice", "bob"]);
    expect(registry.size).toBe(4);
  });

  it("unsubscribes a channel only when its last client leaves", async () => {
    const { redis, registry } = setup();
    const both = Promise.all([registry.acquire("alice", ["live:patrol:1"]), registry.acquire("bob", ["live:patrol:1"])]);
    redis.confirmAll();
    await both;
    registry.release("alice", ["live:patrol:1"]);
    expect(redis.commands.filter((c) => c.startsWith("UNSUBSCRIBE"))).toEqual([]);
    expect(registry.clientsOf("live:patrol:1")).toEqual(new Set(["bob"]));
    registry.release("bob", ["live:patrol:1"]);
    expect(redis.commands.at(-1)).toBe("UNSUBSCRIBE live:patrol:1");
    expect(registry.clientsOf("live:patrol:1")).toBeUndefined();
    expect(registry.channels()).toEqual([]);
  });

  it("makes a second client wait for the first client's SUBSCRIBE to be confirmed", async () => {
    const { redis, registry } = setup();
    const first = registry.acquire("alice", ["control:city"]);
    const second = registry.acquire("bob", ["control:city"]);
    expect(await settled(second)).toBe(false);
    redis.confirmAll();
    await Promise.all([first, second]);
    expect(redis.commands).toEqual(["SUBSCRIBE control:city"]);
  });

  it("counts a client once per channel, however often it acquires it", async () => {
    const { redis, registry } = setup();
    const twice = Promise.all([registry.acquire("alice", ["control:city"]), registry.acquire("alice", ["control:city"])]);
    redis.confirmAll();
    await twice;
    registry.release("alice", ["control:city"]);
    expect(redis.commands).toEqual(["SUBSCRIBE control:city", "UNSUBSCRIBE control:city"]);
  });

  it("releaseAll removes exactly what the client added", async () => {
    const { redis, registry } = setup();
    const p = Promise.all([
      registry.acquire("alice", ["control:zone:1", "live:patrol:1"]),
      registry.acquire("bob", ["control:zone:1", "live:patrol:9"]),
    ]);
    redis.confirmAll();
    await p;
    registry.releaseAll("alice");
    expect(redis.commands.at(-1)).toBe("UNSUBSCRIBE live:patrol:1");
    expect(registry.channels().sort()).toEqual(["control:zone:1", "live:patrol:9"]);
    registry.releaseAll("alice");
    expect(redis.commands).toHaveLength(3);
  });

  it("rejects every waiter when Redis refuses the SUBSCRIBE, and keeps the channel for a restore", async () => {
    const { redis, registry } = setup();
    const first = registry.acquire("alice", ["live:patrol:1"]);
    const second = registry.acquire("bob", ["live:patrol:1"]);
    redis.failAll();
    await expect(first).rejects.toThrow("connection lost");
    await expect(second).rejects.toThrow("connection lost");
    expect(registry.channels()).toEqual(["live:patrol:1"]);
  });

  it("re-subscribes a channel released and acquired again while its SUBSCRIBE was in flight", async () => {
    const { redis, registry } = setup();
    const first = registry.acquire("alice", ["live:patrol:1"]);
    registry.release("alice", ["live:patrol:1"]);
    const again = registry.acquire("bob", ["live:patrol:1"]);
    redis.confirmAll();
    await Promise.all([first, again]);
    expect(redis.commands).toEqual(["SUBSCRIBE live:patrol:1", "UNSUBSCRIBE live:patrol:1", "SUBSCRIBE live:patrol:1"]);
  });
});

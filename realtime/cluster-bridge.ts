import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { createRedis, redisOptions } from "../lib/redis/client";
import { keySlot } from "../lib/redis/key-slot";
import { patrolIdOfChannel } from "../lib/redis/keys";
import { metrics } from "./metrics";
import { batches, subscriberOptions, type Bridge, type BridgeHandlers } from "./bridge";

/** Pause before retrying channels whose shard could not be reached (a failover in progress): 250 ms. */
const RETRY_MS = 250;
/** Attempts of a SUBSCRIBE that meets a moving slot or a shard failing over, before the caller is told: 8 (~2 s). */
const SUBSCRIBE_ATTEMPTS = 8;
/** At most one connection-error line per connection per this period: 5 s (a node that is down errors on every retry). */
const ERROR_LOG_EVERY_MS = 5_000;

/** A worker's sharded subscriber connection to one master ("host:port") and the data channels it holds. */
interface ShardLink {
  node: string;
  redis: Redis;
  channels: Set<string>;
}

/**
 * The realtime worker's Redis under Redis Cluster (DESIGN §13): data channels (`live:patrol:{id}`) are sharded
 * channels, SSUBSCRIBEd on the master serving their slot, over one connection per master; control and user channels
 * stay classic channels (a PUBLISH reaches every node of a cluster), on one connection to any node.
 *
 * A subscription held by a connection that dies (its master was killed) or whose slot moved (failover promoted a
 * replica, or a resharding migrated it) is lost, and messages published meanwhile with it: the bridge re-subscribes
 * it on the slot's owner as soon as the slot map (refreshed every second, and at once on MOVED or an unsolicited
 * SUNSUBSCRIBE) names one, then asks the worker to re-sync the clients holding it — only those. A lost classic
 * connection moves to another node and re-syncs every client, as after a single Redis's restart.
 */
export class ClusterBridge implements Bridge {
  /** The command connection: the cluster client every state read goes through. */
  readonly command: Cluster;
  private classic: Redis | null = null;
  private classicConnectedOnce = false;
  /** Rotates the node a new classic connection goes to. */
  private classicTurn = 0;
  private readonly links = new Map<string, ShardLink>();
  /** Data channel → the master it is SSUBSCRIBEd on. */
  private readonly subscribedOn = new Map<string, string>();
  /** Data channels that were subscribed and are not any more (their connection died or slot moved): to re-subscribe, then re-sync. */
  private readonly lost = new Set<string>();
  private handlers: BridgeHandlers | null = null;
  private reconciling: Promise<void> | null = null;
  private reconcileAgain = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly lastErrorLog = new Map<string, number>();

  constructor(
    /** The deployment prefix (`REDIS_PREFIX`), to tell data channels from the others. */
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.command = createRedis(undefined, { connectionName: `sentinel-realtime-cmd-${process.pid}` }) as Cluster;
    if (!(this.command instanceof Cluster)) throw new Error("ClusterBridge needs REDIS_CLUSTER_NODES");
    this.command.on("error", (err: Error) => this.warn("command", err));
    // The slot map was re-read (every second, and after a MOVED): move any data channel whose slot changed owner.
    this.command.on("refresh", () => void this.reconcile());
  }

  connect(handlers: BridgeHandlers): void {
    this.handlers = handlers;
    this.command.once("ready", () => this.connectClassic());
    this.command.connect().catch(() => undefined);
  }

  get ready(): boolean {
    return this.command.status === "ready" && this.classic?.status === "ready";
  }

  async whenReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready) {
      if (Date.now() > deadline) throw new Error(`Redis Cluster not ready after ${timeoutMs} ms`);
      await sleep(25);
    }
  }

  async subscribe(channels: string[]): Promise<void> {
    const { data, classic } = this.split(channels);
    await Promise.all([this.subscribeClassic(classic), this.subscribeData(data)]);
  }

  async unsubscribe(channels: string[]): Promise<void> {
    const { data, classic } = this.split(channels);
    if (classic.length && this.classic?.status === "ready") await Promise.all(batches(classic).map((batch) => this.classic!.unsubscribe(...batch)));
    const byLink = new Map<ShardLink, string[]>();
    for (const channel of data) {
      this.lost.delete(channel);
      const node = this.subscribedOn.get(channel);
      this.subscribedOn.delete(channel);
      const link = node === undefined ? undefined : this.links.get(node);
      if (!link) continue;
      link.channels.delete(channel);
      byLink.set(link, [...(byLink.get(link) ?? []), channel]);
    }
    await Promise.all([...byLink].map(([link, list]) => this.sunsubscribe(link, list)));
  }

  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const connections: Array<Redis | Cluster> = [this.command, ...(this.classic ? [this.classic] : []), ...[...this.links.values()].map((l) => l.redis)];
    const graceful = Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    await Promise.race([graceful, sleep(timeoutMs)]);
    for (const c of connections) c.disconnect();
  }

  /** Data channels (sharded) and the others (classic). */
  private split(channels: string[]): { data: string[]; classic: string[] } {
    const data: string[] = [];
    const classic: string[] = [];
    for (const c of channels) (patrolIdOfChannel(this.prefix, c) !== null ? data : classic).push(c);
    return { data, classic };
  }

  private async subscribeClassic(channels: string[]): Promise<void> {
    if (!channels.length) return;
    const classic = this.classic;
    if (!classic || classic.status !== "ready") throw new Error("Redis Cluster not reachable for control channels");
    await Promise.all(batches(channels).map((batch) => classic.subscribe(...batch)));
  }

  /** SSUBSCRIBEs `channels` on their slots' masters; retries what met a moving slot or a shard failing over, then throws. */
  private async subscribeData(channels: string[]): Promise<void> {
    let pending = channels;
    for (let attempt = 1; pending.length; attempt++) {
      pending = await this.place(pending);
      if (!pending.length) return;
      if (attempt >= SUBSCRIBE_ATTEMPTS) throw new Error(`Redis Cluster shard unavailable for ${pending.length} channel(s)`);
      this.command.refreshSlotsCache();
      await sleep(RETRY_MS);
    }
  }

  /**
   * SSUBSCRIBEs each channel on the master the slot map names for it (one command per slot: Redis refuses a
   * SSUBSCRIBE spanning slots) and records where; returns the channels that could not be placed.
   */
  private async place(channels: string[]): Promise<string[]> {
    if (this.command.status !== "ready") await this.whenCommandReady();
    const failed: string[] = [];
    await Promise.all(
      [...bySlot(channels)].map(async ([slot, list]) => {
        const node = this.command.slots[slot]?.[0];
        if (!node) return void failed.push(...list);
        const link = this.link(node);
        try {
          await link.redis.ssubscribe(...list);
        } catch (err) {
          this.warn(node, err as Error);
          return void failed.push(...list);
        }
        if (this.links.get(node) !== link) return void failed.push(...list); // the connection died meanwhile
        for (const channel of list) {
          const before = this.subscribedOn.get(channel);
          if (before !== undefined && before !== node) this.links.get(before)?.channels.delete(channel);
          this.subscribedOn.set(channel, node);
          link.channels.add(channel);
        }
      }),
    );
    return failed;
  }

  /** The connection to master `node`, opened on first use. It never reconnects by itself: a lost one is replaced. */
  private link(node: string): ShardLink {
    const existing = this.links.get(node);
    if (existing) return existing;
    // Commands queue until it is connected (it connects on the first SSUBSCRIBE), and fail rather than retry.
    const redis = nodeConnection(node, subscriberOptions("ssub", { enableOfflineQueue: true, maxRetriesPerRequest: 0 }));
    const link: ShardLink = { node, redis, channels: new Set() };
    this.links.set(node, link);
    redis.on("smessageBuffer", (channel: Buffer, payload: Buffer) => this.handlers?.onMessage(channel.toString(), payload));
    redis.on("error", (err: Error) => this.warn(node, err));
    // An unsolicited SUNSUBSCRIBE (the slot left this master) or a MOVED reply: re-read the slot map now.
    redis.on("moved", () => this.command.refreshSlotsCache());
    redis.on("end", () => this.dropLink(link));
    return link;
  }

  /** `link`'s connection is gone: its channels are lost until re-subscribed on their slots' owners. */
  private dropLink(link: ShardLink): void {
    if (this.links.get(link.node) === link) this.links.delete(link.node);
    if (this.closing) return;
    for (const channel of link.channels) {
      if (this.subscribedOn.get(channel) !== link.node) continue;
      this.subscribedOn.delete(channel);
      this.lost.add(channel);
    }
    if (link.channels.size) this.log.warn({ node: link.node, channels: link.channels.size }, "redis cluster shard connection lost; re-subscribing its channels");
    link.channels.clear();
    this.scheduleRetry();
  }

  private async sunsubscribe(link: ShardLink, channels: string[]): Promise<void> {
    if (link.redis.status !== "ready") return; // a fresh connection will not have them anyway
    await Promise.all([...bySlot(channels).values()].map((list) => link.redis.sunsubscribe(...list)));
  }

  /**
   * Brings the sharded subscriptions in line with the registry and the slot map: drops channels no client holds,
   * re-subscribes lost ones and those whose slot moved, then has the worker re-sync the clients of each.
   */
  private reconcile(): Promise<void> {
    if (this.reconciling) {
      this.reconcileAgain = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.reconcileAgain = false;
        await this.reconcileOnce().catch((err: unknown) => this.log.warn({ err: String(err) }, "re-subscribing sharded channels failed"));
      } while (this.reconcileAgain && !this.closing);
    })().finally(() => (this.reconciling = null));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    if (!this.handlers || this.closing || this.command.status !== "ready") return;
    const desired = new Set(this.split(this.handlers.channelsToRestore()).data);
    for (const channel of this.lost) if (!desired.has(channel)) this.lost.delete(channel);
    const stale: string[] = [];
    const moved: string[] = [];
    for (const [channel, node] of this.subscribedOn) {
      if (!desired.has(channel)) stale.push(channel);
      else if (this.command.slots[keySlot(channel)]?.[0] !== node) moved.push(channel);
    }
    if (stale.length) await this.unsubscribe(stale).catch(() => undefined);
    if (moved.length) {
      this.log.warn({ channels: moved.length }, "redis cluster slots moved; re-subscribing their channels on the new owners");
      // Off the old owner first (it may still serve other slots), then on the new one below.
      await this.unsubscribe(moved).catch(() => undefined);
      for (const channel of moved) this.lost.add(channel);
    }
    if (!this.lost.size) return;
    const attempt = [...this.lost];
    const failed = new Set(await this.place(attempt));
    const restored = attempt.filter((c) => !failed.has(c));
    for (const channel of restored) this.lost.delete(channel);
    if (restored.length) {
      metrics.redisReconnects.inc();
      this.log.warn({ channels: restored.length, pending: this.lost.size }, "sharded channels re-subscribed; re-syncing their clients");
      this.handlers.onChannelsRestored(restored);
    }
    if (this.lost.size) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closing) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.command.refreshSlotsCache();
      void this.reconcile();
    }, RETRY_MS);
  }

  /** Opens the classic connection (control and user channels) on the next node in turn; on loss, moves on to another. */
  private connectClassic(): void {
    if (this.closing) return;
    const nodes = this.command.nodes("all").map((n) => `${n.options.host}:${n.options.port}`);
    const node = nodes.length ? nodes[this.classicTurn++ % nodes.length]! : null;
    if (!node) return void setTimeout(() => this.connectClassic(), RETRY_MS);
    const redis = nodeConnection(node, subscriberOptions("sub"));
    this.classic = redis;
    redis.on("messageBuffer", (channel: Buffer, payload: Buffer) => this.handlers?.onMessage(channel.toString(), payload));
    redis.on("error", (err: Error) => this.warn(`classic ${node}`, err));
    redis.on("ready", () => void this.restoreClassic(redis));
    redis.on("end", () => {
      if (this.classic === redis) this.classic = null;
      setTimeout(() => this.connectClassic(), this.classicConnectedOnce ? RETRY_MS : 0);
    });
    redis.connect().catch(() => undefined);
  }

  /** Subscribes every classic channel the registry holds on a new classic connection; after a loss, re-syncs every client. */
  private async restoreClassic(redis: Redis): Promise<void> {
    const reconnect = this.classicConnectedOnce;
    const channels = this.split(this.handlers?.channelsToRestore() ?? []).classic;
    try {
      await Promise.all(batches(channels).map((batch) => redis.subscribe(...batch)));
    } catch (err) {
      this.log.warn({ err: String(err), channels: channels.length }, "re-subscribing control channels failed");
      redis.disconnect(); // "end" opens another connection
      return;
    }
    this.classicConnectedOnce = true;
    if (!reconnect) return;
    metrics.redisReconnects.inc();
    this.log.warn({ channels: channels.length }, "redis cluster control connection moved; channels restored, re-syncing clients");
    this.handlers?.onReconnected();
  }

  private async whenCommandReady(): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (this.command.status !== "ready") {
      if (Date.now() > deadline || this.closing) throw new Error("Redis Cluster not ready");
      await sleep(25);
    }
  }

  /** Logs a connection error, at most once per ERROR_LOG_EVERY_MS per connection (a node that is down errors on every try). */
  private warn(connection: string, err: Error): void {
    const now = Date.now();
    if (now - (this.lastErrorLog.get(connection) ?? 0) < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLog.set(connection, now);
    this.log.warn({ err: err.message, connection }, "redis connection error");
  }
}

/** `channels` by hash slot: a SSUBSCRIBE or SUNSUBSCRIBE may name channels of one slot only. */
function bySlot(channels: string[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const channel of channels) {
    const slot = keySlot(channel);
    const list = out.get(slot);
    if (list) list.push(channel);
    else out.set(slot, [channel]);
  }
  return out;
}

/** A connection to one node ("host:port") with `options`, which never reconnects by itself: the bridge replaces a lost one. */
function nodeConnection(node: string, options: RedisOptions): Redis {
  const at = node.lastIndexOf(":");
  return new Redis({ ...redisOptions({ ...options, retryStrategy: () => null }), host: node.slice(0, at), port: Number(node.slice(at + 1)) });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

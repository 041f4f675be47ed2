import type { Logger } from "pino";
import { Redis } from "ioredis";
import { redisOptions } from "../lib/redis/client";
import { batches, subscriberOptions, type Bridge, type BridgeHandlers } from "./bridge";
import { metrics } from "./metrics";

/**
 * A worker's two Redis connections to a single Redis: one subscriber shared by all its clients
 * (messages as Buffers, never decoded) and one command connection for state
 * reads. The subscriber does not re-subscribe by itself: after a reconnect the
 * registry's channels are restored in batches and the worker re-syncs clients.
 * The handlers are given to `connect`, so the registry (which subscribes
 * through this bridge) is built after it and no construction cycle arises.
 */
export class RedisBridge implements Bridge {
  /** The shared subscriber connection. */
  readonly subscriber: Redis;
  /** The command connection (SMEMBERS, pipelines). */
  readonly command: Redis;
  private connectedOnce = false;

  constructor(
    url: string,
    private readonly log: Logger,
  ) {
    this.subscriber = new Redis(url, redisOptions(subscriberOptions("sub")));
    this.command = new Redis(url, redisOptions({ connectionName: `sentinel-realtime-cmd-${process.pid}` }));
    this.subscriber.on("error", (err: Error) => this.log.warn({ err: err.message, connection: "subscriber" }, "redis connection error"));
    this.command.on("error", (err: Error) => this.log.warn({ err: err.message, connection: "command" }, "redis connection error"));
  }

  /** Starts connecting both connections, delivering to `handlers`; they keep retrying in the background while Redis is down. */
  connect(handlers: BridgeHandlers): void {
    this.subscriber.on("messageBuffer", (channel: Buffer, payload: Buffer) => handlers.onMessage(channel.toString(), payload));
    this.subscriber.on("ready", () => void this.restore(handlers));
    this.subscriber.connect().catch(() => undefined);
    this.command.connect().catch(() => undefined);
  }

  /** True when both connections are usable. */
  get ready(): boolean {
    return this.subscriber.status === "ready" && this.command.status === "ready";
  }

  /** Subscribes `channels` on the shared subscriber connection, in batches. */
  async subscribe(channels: string[]): Promise<void> {
    await Promise.all(batches(channels).map((batch) => this.subscriber.subscribe(...batch)));
  }

  /** Unsubscribes `channels`, in batches. */
  async unsubscribe(channels: string[]): Promise<void> {
    if (this.subscriber.status !== "ready") return; // a fresh connection will not have them anyway
    await Promise.all(batches(channels).map((batch) => this.subscriber.unsubscribe(...batch)));
  }

  /** Resolves when both connections are ready, or rejects after `timeoutMs`. */
  async whenReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const connection of [this.subscriber, this.command]) {
      if (connection.status === "ready") continue;
      await new Promise<void>((resolve, reject) => {
        const onReady = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          connection.off("ready", onReady);
          reject(new Error(`Redis not ready after ${timeoutMs} ms`));
        }, Math.max(0, deadline - Date.now()));
        connection.once("ready", onReady);
      });
    }
  }

  /** Unsubscribes everything and closes both connections, forcing them shut after `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    const graceful = (async () => {
      if (this.subscriber.status === "ready") await this.subscriber.unsubscribe();
      await Promise.all([this.subscriber.quit(), this.command.quit()]);
    })();
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([graceful.catch(() => undefined), timer]);
    this.subscriber.disconnect();
    this.command.disconnect();
  }

  private async restore(handlers: BridgeHandlers): Promise<void> {
    const reconnect = this.connectedOnce;
    this.connectedOnce = true;
    const channels = handlers.channelsToRestore();
    try {
      await this.subscribe(channels);
    } catch (err) {
      // The connection dropped again; the next "ready" retries.
      this.log.warn({ err: String(err), channels: channels.length }, "re-subscribing after reconnect failed");
      return;
    }
    if (!reconnect) return;
    metrics.redisReconnects.inc();
    this.log.warn({ channels: channels.length }, "redis subscriber reconnected; channels restored, re-syncing clients");
    handlers.onReconnected();
  }
}

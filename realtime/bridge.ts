import type { RedisOptions } from "ioredis";
import type { RedisClient } from "../lib/redis/client";
import type { ChannelSubscriber } from "./subscription-registry";

/** Channels per SUBSCRIBE / UNSUBSCRIBE command, so a restore of thousands never blocks Redis for long. Default: 500. */
export const CHANNEL_BATCH = 500;

/** How a worker reacts to what arrives from Redis. */
export interface BridgeHandlers {
  /** A pub/sub message, as the exact bytes received (forwarded unchanged for data channels). */
  onMessage(channel: string, payload: Buffer): void;
  /** The subscriber connection came back after a loss and every channel was re-subscribed: events may have been missed. */
  onReconnected(): void;
  /**
   * Redis Cluster: these data channels' subscriptions were lost (their shard failed over, or their slot moved) and are
   * back: messages may have been missed on them alone, so only their clients need a re-sync.
   */
  onChannelsRestored(channels: string[]): void;
  /** Every channel that should be subscribed (the registry's), re-subscribed after a reconnect. */
  channelsToRestore(): string[];
}

/** A worker's Redis: the channel subscriptions its clients hold, and a command connection for state reads. */
export interface Bridge extends ChannelSubscriber {
  /** The command connection (SMEMBERS, pipelines). */
  readonly command: RedisClient;
  /** True when the connections are usable. */
  readonly ready: boolean;
  /** Starts connecting, delivering to `handlers`; keeps retrying in the background while Redis is down. */
  connect(handlers: BridgeHandlers): void;
  /** Resolves when the connections are ready, or rejects after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void>;
  /** Unsubscribes everything and closes the connections, forcing them shut after `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Options of a worker's subscriber connection, `sub` (classic channels) or `ssub` (sharded, Redis Cluster), named so
 * in CLIENT LIST: the registry is the source of truth, so channels are restored by the bridge (in batches, then the
 * clients re-synced), never by ioredis; and a SUBSCRIBE while Redis is down fails at once, so a connecting client is
 * told to retry instead of hanging. `extra` overrides.
 */
export function subscriberOptions(kind: "sub" | "ssub", extra: RedisOptions = {}): RedisOptions {
  return {
    connectionName: `sentinel-realtime-${kind}-${process.pid}`,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: null,
    commandTimeout: 5_000,
    ...extra,
  };
}

/** `channels` in runs of CHANNEL_BATCH, one command each. */
export function batches(channels: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < channels.length; i += CHANNEL_BATCH) out.push(channels.slice(i, i + CHANNEL_BATCH));
  return out;
}

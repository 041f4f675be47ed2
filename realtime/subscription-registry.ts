/**
 * Reference-counted Redis channel subscriptions of one worker: a channel is
 * subscribed when its first client arrives and unsubscribed when its last
 * client leaves. Data and control channels alike; permission is enforced by
 * what is subscribed, never by filtering.
 */

/** What the registry needs from the worker's subscriber connection. */
export interface ChannelSubscriber {
  /** Subscribes every channel; resolves once Redis confirmed them. */
  subscribe(channels: string[]): Promise<void>;
  /** Unsubscribes every channel. */
  unsubscribe(channels: string[]): Promise<void>;
}

/** `Map<channel, Set<client>>` with subscribe-on-first-add and unsubscribe-on-last-remove. */
export class SubscriptionRegistry<Client> {
  private readonly members = new Map<string, Set<Client>>();
  private readonly heldBy = new Map<Client, Set<string>>();
  /** SUBSCRIBEs still awaiting Redis's confirmation, so a second client waits for the first one's. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly subscriber: ChannelSubscriber,
    /** Called when an UNSUBSCRIBE fails (it is never thrown: the channel is already forgotten). */
    private readonly onUnsubscribeError: (err: unknown, channels: string[]) => void,
  ) {}

  /**
   * Adds `client` to every channel, subscribing (in one command) those no
   * client held. Resolves once every channel is confirmed subscribed —
   * including ones another client's SUBSCRIBE is still waiting for.
   */
  async acquire(client: Client, channels: Iterable<string>): Promise<void> {
    const fresh: string[] = [];
    const waits: Promise<void>[] = [];
    let held = this.heldBy.get(client);
    if (!held) this.heldBy.set(client, (held = new Set()));
    for (const channel of channels) {
      if (held.has(channel)) {
        const pending = this.inFlight.get(channel);
        if (pending) waits.push(pending);
        continue;
      }
      held.add(channel);
      const clients = this.members.get(channel);
      if (clients) {
        clients.add(client);
        const pending = this.inFlight.get(channel);
        if (pending) waits.push(pending);
      } else {
        this.members.set(channel, new Set([client]));
        fresh.push(channel);
      }
    }
    if (fresh.length) {
      const confirmed: Promise<void> = this.subscriber.subscribe(fresh).finally(() => {
        for (const channel of fresh) if (this.inFlight.get(channel) === confirmed) this.inFlight.delete(channel);
      });
      for (const channel of fresh) this.inFlight.set(channel, confirmed);
      waits.push(confirmed);
    }
    await Promise.all(waits);
  }

  /** Removes `client` from every channel, unsubscribing (in one command) those no client holds any more. */
  release(client: Client, channels: Iterable<string>): void {
    const held = this.heldBy.get(client);
    if (!held) return;
    const emptied: string[] = [];
    for (const channel of channels) {
      if (!held.delete(channel)) continue;
      const clients = this.members.get(channel);
      if (!clients) continue;
      clients.delete(client);
      if (clients.size === 0) {
        this.members.delete(channel);
        this.inFlight.delete(channel);
        emptied.push(channel);
      }
    }
    if (held.size === 0) this.heldBy.delete(client);
    if (emptied.length) this.subscriber.unsubscribe(emptied).catch((err: unknown) => this.onUnsubscribeError(err, emptied));
  }

  /** Removes `client` from every channel it holds. */
  releaseAll(client: Client): void {
    const held = this.heldBy.get(client);
    if (held) this.release(client, [...held]);
  }

  /** The clients interested in `channel`, or undefined when none is. */
  clientsOf(channel: string): ReadonlySet<Client> | undefined {
    return this.members.get(channel);
  }

  /** Every channel some client holds (what the subscriber connection must be subscribed to). */
  channels(): string[] {
    return [...this.members.keys()];
  }

  /** Number of subscribed channels. */
  get size(): number {
    return this.members.size;
  }
}

import type { Logger } from "pino";
import { parseControlEvent } from "../lib/realtime/protocol";
import { patrolIdOfChannel } from "../lib/redis/keys";
import type { ClientSession } from "./client-session";
import { metrics } from "./metrics";
import type { SubscriptionRegistry } from "./subscription-registry";

/**
 * Routes each message from the worker's subscriber connection to the
 * sessions holding its channel: TELEMETRY as the exact bytes received (never
 * parsed), a control event parsed once for all of them. A malformed control
 * message is logged and dropped, never thrown.
 */
export function messageDispatcher(registry: SubscriptionRegistry<ClientSession>, prefix: string, log: Logger) {
  return (channel: string, payload: Buffer): void => {
    const patrolId = patrolIdOfChannel(prefix, channel);
    const clients = registry.clientsOf(channel);
    if (patrolId !== null) {
      metrics.framesIn.inc();
      if (clients) for (const client of clients) client.onTelemetry(patrolId, payload);
      return;
    }
    if (!clients) return;
    const event = parseControlEvent(payload);
    if (!event) {
      metrics.malformed.inc();
      log.warn({ channel, bytes: payload.length }, "malformed control message dropped");
      return;
    }
    for (const client of clients) client.onControl(event);
  };
}

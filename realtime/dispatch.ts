import type { Logger } from "pino";
import { parseControlEvent } from "../lib/realtime/protocol";
import { isUserControlChannel, patrolIdOfChannel } from "../lib/redis/keys";
import type { ClientSession } from "./client-session";
import { metrics } from "./metrics";
import type { SubscriptionRegistry } from "./subscription-registry";

/**
 * Routes each message from the worker's subscriber connection to the
 * sessions holding its channel: TELEMETRY as the exact bytes received (never
 * parsed), a control event parsed once for all of them, an access change
 * to the user's sessions. A malformed control
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
    // A user's control channel says one thing only: their access changed; each of their sessions re-reads it.
    if (isUserControlChannel(prefix, channel)) {
      for (const client of clients) client.onAccessChanged();
      return;
    }
    const event = parseControlEvent(payload);
    if (!event) {
      metrics.malformed.inc();
      log.warn({ channel, bytes: payload.length }, "malformed control message dropped");
      return;
    }
    for (const client of clients) client.onControl(event);
  };
}

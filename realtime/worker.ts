import cluster from "node:cluster";
import http from "node:http";
import { WebSocketServer } from "ws";
import { env } from "../lib/env";
import { log as rootLog } from "../lib/log";
import { consumeTicket } from "../lib/realtime/consume-ticket";
import { encodeHeartbeatFrame } from "../lib/realtime/protocol";
import { isUserControlChannel, patrolIdOfChannel } from "../lib/redis/keys";
import { admission, REDIS_WAIT_MS } from "./admission";
import type { ClientSession } from "./client-session";
import type { RealtimeConfig } from "./config";
import { ConnectionRegistry, openConnection } from "./connection";
import { adoptHandedSockets } from "./handoff";
import { messageDispatcher } from "./dispatch";
import { refusal } from "./errors";
import { Heartbeat } from "./heartbeat";
import { WriteCoalescer } from "./write-coalescer";
import { observeWorker } from "./metrics";
import { opsRequestHandler } from "./ops-routes";
import type { Bridge } from "./bridge";
import { ClusterBridge } from "./cluster-bridge";
import { RedisBridge } from "./redis-bridge";
import { redisScopeState, statePlaneReady } from "./scope-state";
import { SubscriptionRegistry } from "./subscription-registry";

/** IPC message the primary sends each worker on SIGTERM. */
export const SHUTDOWN_MESSAGE = "sentinel:shutdown";

/** Response header naming the worker process (pid) that accepted a socket, for operators and tests. */
export const WORKER_HEADER = "X-Sentinel-Worker";

/**
 * How long a re-sync after a Redis reconnect waits for the web tier to restore the state plane
 * (an emptied Redis is rebuilt from PostgreSQL), so the SNAPSHOT holds every active patrol rather
 * than none followed by an ADD_CAR each: 4 s.
 */
const STATE_PLANE_WAIT_MS = 4_000;

/**
 * One cluster worker: an HTTP server on REALTIME_PORT (shared with the other
 * workers) that upgrades `/live` to WebSockets (admission.ts), two Redis
 * connections, the subscription registry, and one connection per socket
 * (connection.ts). Built in dependency order: Redis bridge, subscription
 * registry, dispatcher, connections, admission, server.
 */
export function runWorker(config: RealtimeConfig): void {
  const log = rootLog.child({ role: "worker", worker: cluster.worker?.id });
  let shuttingDown = false;

  const bridge: Bridge = env.REDIS_CLUSTER_NODES ? new ClusterBridge(config.redisPrefix, log) : new RedisBridge(config.redisUrl, log);
  const registry = new SubscriptionRegistry<ClientSession>(bridge, (err, channels) =>
    log.warn({ err: String(err), channels: channels.length }, "unsubscribe failed"),
  );
  const connections = new ConnectionRegistry();
  const heartbeat = new Heartbeat(config.heartbeatMs);
  const connectionDeps = {
    session: { registry, state: redisScopeState(bridge.command, config.redisPrefix), prefix: config.redisPrefix, log },
    limits: { conflateBytes: config.conflateBytes, maxQueuedEvents: config.maxQueuedEvents },
    heartbeat,
    coalescer: new WriteCoalescer(),
    connections,
  };

  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: config.maxPayloadBytes, perMessageDeflate: false });
  wss.on("headers", (headers) => headers.push(`${WORKER_HEADER}: ${process.pid}`));
  wss.on("error", (err) => log.error({ err }, "websocket server error"));

  // A connection that sends its request (the upgrade included) too slowly, or nothing at all, is dropped (slowloris).
  const server = http.createServer(
    {
      headersTimeout: config.handshakeTimeoutMs,
      requestTimeout: config.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, config.handshakeTimeoutMs),
    },
    opsRequestHandler({ redisReady: () => bridge.ready, shuttingDown: () => shuttingDown }, log),
  );
  // Idle sockets time out too; ws clears this on the sockets it upgrades.
  server.setTimeout(config.handshakeTimeoutMs);
  server.on(
    "upgrade",
    admission({
      wss,
      allowedOrigins: config.allowedOrigins,
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      connectionsOf: (userId) => connections.ofUser(userId).size,
      redis: bridge,
      consumeTicket: (ticket) => consumeTicket(bridge.command, config.redisPrefix, ticket),
      shuttingDown: () => shuttingDown,
      onAdmitted: (ws, socket, claims) => openConnection(ws, socket, claims, connectionDeps),
      log,
    }),
  );
  server.on("error", (err) => {
    log.fatal({ err }, "realtime server error");
    process.exit(1);
  });

  observeWorker({
    connections: () => connections.size,
    channels: () => {
      const all = registry.channels();
      const data = all.filter((c) => patrolIdOfChannel(config.redisPrefix, c) !== null).length;
      const user = all.filter((c) => isUserControlChannel(config.redisPrefix, c)).length;
      return { data, control: all.length - data - user, user };
    },
    bufferedBytes: () => {
      let total = 0;
      for (const { session } of connections) total += session.pendingBytes;
      return total;
    },
  });

  bridge.connect({
    onMessage: messageDispatcher(registry, config.redisPrefix, log),
    channelsToRestore: () => registry.channels(),
    // Events may have been missed while the subscriber was away: every client gets a fresh SNAPSHOT.
    onReconnected: () => resyncWhenReady(() => [...connections].map((c) => c.session)),
    // Redis Cluster: frames of these channels alone may have been missed; their clients get a fresh SNAPSHOT.
    onChannelsRestored: (channels) =>
      resyncWhenReady(() => {
        const sessions = new Set<ClientSession>();
        for (const channel of channels) for (const session of registry.clientsOf(channel) ?? []) sessions.add(session);
        return [...sessions];
      }),
  });
  heartbeat.start();
  // Quiet sockets hear from us every keepalive period; checked each half period (at 10,000 sockets, ~20k checks a second).
  const keepalive =
    config.keepaliveMs > 0
      ? setInterval(() => {
          const now = Date.now();
          // One Buffer for every socket of the tick: its frame is built once (frame-writer.ts).
          const heartbeat = Buffer.from(encodeHeartbeatFrame(now));
          for (const { session } of connections) session.keepalive(now, config.keepaliveMs, heartbeat);
        }, Math.max(100, config.keepaliveMs / 2))
      : null;
  if (config.placement === "round-robin") server.listen(config.port, () => log.info({ port: config.port }, "worker listening"));
  else {
    // The primary accepts on REALTIME_PORT and hands sockets over. The worker still listens (on a loopback port of its
    // own) so its HTTP server runs the handshake and idle timeouts on the sockets it is handed.
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      adoptHandedSockets(server);
      log.info({ port: config.port }, "worker taking sockets from the primary");
    });
  }

  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("message", (message: { type?: string }) => {
    if (message?.type === SHUTDOWN_MESSAGE) void shutdown("primary asked");
  });
  // The primary died: nobody would restart us or aggregate metrics, so leave cleanly.
  process.on("disconnect", () => void shutdown("primary gone"));

  /** Re-syncs the sessions `which()` names once Redis and the state plane are back (or after waiting REDIS_WAIT_MS and STATE_PLANE_WAIT_MS). */
  function resyncWhenReady(which: () => ClientSession[]): void {
    bridge
      .whenReady(REDIS_WAIT_MS)
      .then(() => waitForStatePlane())
      .catch((err: unknown) => log.warn({ err: String(err) }, "re-syncing clients before the state plane is ready"))
      .finally(() => {
        for (const session of which()) session.resync();
      });
  }

  /** Resolves once the state plane is there, or rejects after STATE_PLANE_WAIT_MS (then the clients get ADD_CARs as it is rebuilt). */
  async function waitForStatePlane(): Promise<void> {
    const deadline = Date.now() + STATE_PLANE_WAIT_MS;
    while (!(await statePlaneReady(bridge.command, config.redisPrefix))) {
      if (Date.now() > deadline) throw new Error(`state plane not restored within ${STATE_PLANE_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops accepting, closes every client with 1001, unsubscribes and quits Redis — each step bounded in time. */
  async function shutdown(reason: string): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ reason, clients: connections.size }, "worker shutting down");
    setTimeout(() => {
      log.error("graceful shutdown timed out; exiting anyway");
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    heartbeat.stop();
    if (keepalive) clearInterval(keepalive);
    server.close();
    const open = [...connections];
    for (const connection of open) connection.close(refusal("SHUTTING_DOWN"));
    await Promise.race([
      Promise.all(open.map((connection) => connection.closed)),
      new Promise((resolve) => setTimeout(resolve, config.shutdownTimeoutMs / 2)),
    ]);
    // Clients that did not answer the close handshake in time.
    for (const connection of connections) connection.terminate();
    await bridge.close(config.shutdownTimeoutMs / 4);
    log.info("worker stopped");
    process.exit(0);
  }
}

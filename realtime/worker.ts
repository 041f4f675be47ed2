import cluster from "node:cluster";
import http from "node:http";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { TicketClaims } from "../lib/auth/tokens";
import { log as rootLog } from "../lib/log";
import { patrolIdOfChannel } from "../lib/redis/keys";
import { formatScope } from "../lib/scope";
import { ClientSession, type SessionContext } from "./client-session";
import type { RealtimeConfig } from "./config";
import { messageDispatcher } from "./dispatch";
import { RealtimeError } from "./errors";
import { Heartbeat } from "./heartbeat";
import { metrics, observeWorker } from "./metrics";
import { opsRequestHandler } from "./ops-routes";
import { Outbox } from "./outbox";
import { RedisBridge } from "./redis-bridge";
import { redisScopeState, statePlaneReady } from "./scope-state";
import { SubscriptionRegistry } from "./subscription-registry";
import { authenticateTicket, checkUpgradeRequest, refuseUpgrade } from "./upgrade-auth";

/** IPC message the primary sends each worker on SIGTERM. */
export const SHUTDOWN_MESSAGE = "sentinel:shutdown";

/** Response header naming the worker process (pid) that accepted a socket, for operators and tests. */
export const WORKER_HEADER = "X-Sentinel-Worker";

/** How long a connecting client (or a re-sync) waits for Redis to come back before giving up. */
const REDIS_WAIT_MS = 3_000;

/**
 * How long a re-sync after a Redis reconnect waits for the web tier to restore the state plane
 * (an emptied Redis is rebuilt from PostgreSQL), so the SNAPSHOT holds every active patrol rather
 * than none followed by an ADD_CAR each.
 */
const STATE_PLANE_WAIT_MS = 4_000;

/** Close reason sent to every client on a graceful shutdown (code 1001). */
const RESTARTING = "The live server is restarting; reconnect in a moment.";

/**
 * One cluster worker: an HTTP server on REALTIME_PORT (shared with the other
 * workers) that upgrades `/live` to WebSockets, two Redis connections, the
 * subscription registry, and one ClientSession per socket.
 */
export function runWorker(config: RealtimeConfig): void {
  const log = rootLog.child({ role: "worker", worker: cluster.worker?.id });
  const sockets = new Map<WebSocket, { session: ClientSession; outbox: Outbox }>();
  const perUser = new Map<number, number>();
  let shuttingDown = false;

  const bridge: RedisBridge = new RedisBridge(
    config.redisUrl,
    {
      onMessage: (channel, payload) => dispatch(channel, payload),
      onReconnected: () => {
        bridge
          .whenReady(REDIS_WAIT_MS)
          .then(() => waitForStatePlane())
          .catch((err: unknown) => log.warn({ err: String(err) }, "re-syncing clients before the state plane is ready"))
          .finally(() => {
            for (const { session } of sockets.values()) session.resync();
          });
      },
      channelsToRestore: () => registry.channels(),
    },
    log,
  );
  const registry = new SubscriptionRegistry<ClientSession>(bridge, (err, channels) =>
    log.warn({ err: String(err), channels: channels.length }, "unsubscribe failed"),
  );
  const dispatch = messageDispatcher(registry, config.redisPrefix, log);
  const ctx: SessionContext = { registry, state: redisScopeState(bridge.command, config.redisPrefix), prefix: config.redisPrefix, log };
  const heartbeat = new Heartbeat(config.heartbeatMs);
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
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", (err) => log.debug({ err: err.message }, "socket error"));
    upgrade(req, socket, head).catch((err: unknown) => {
      log.error({ err }, "upgrade failed");
      socket.destroy();
    });
  });
  server.on("error", (err) => {
    log.fatal({ err }, "realtime server error");
    process.exit(1);
  });

  observeWorker({
    connections: () => sockets.size,
    channels: () => {
      const all = registry.channels();
      const data = all.filter((c) => patrolIdOfChannel(config.redisPrefix, c) !== null).length;
      return { data, control: all.length - data };
    },
    bufferedBytes: () => {
      let total = 0;
      for (const { outbox } of sockets.values()) total += outbox.pendingBytes;
      return total;
    },
  });

  bridge.connect();
  heartbeat.start();
  server.listen(config.port, () => log.info({ port: config.port }, "worker listening"));

  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("message", (message: { type?: string }) => {
    if (message?.type === SHUTDOWN_MESSAGE) void shutdown("primary asked");
  });
  // The primary died: nobody would restart us or aggregate metrics, so leave cleanly.
  process.on("disconnect", () => void shutdown("primary gone"));

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let url: URL;
    try {
      if (shuttingDown) throw new RealtimeError("SHUTTING_DOWN", RESTARTING);
      url = checkUpgradeRequest(req, config.allowedOrigins);
    } catch (err) {
      if (!(err instanceof RealtimeError)) throw err;
      metrics.refusals.inc({ code: err.code });
      log.info({ code: err.code, origin: req.headers.origin, path: req.url?.split("?")[0] }, "upgrade refused");
      refuseUpgrade(socket, err);
      return;
    }
    let admitted: TicketClaims | RealtimeError;
    try {
      admitted = await admit(url);
    } catch (err) {
      if (!(err instanceof RealtimeError)) throw err;
      admitted = err;
    }
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Counted here, synchronously with open(), so concurrent upgrades cannot both slip under the limit.
      if (!(admitted instanceof RealtimeError) && (perUser.get(admitted.userId) ?? 0) >= config.maxConnectionsPerUser) {
        admitted = new RealtimeError(
          "TOO_MANY_CONNECTIONS",
          `You already have ${config.maxConnectionsPerUser} live connections open; close some tabs and reconnect.`,
        );
      }
      if (admitted instanceof RealtimeError) {
        metrics.refusals.inc({ code: admitted.code });
        log.info({ code: admitted.code }, "connection refused");
        ws.close(admitted.closeCode, admitted.message);
        return;
      }
      open(ws, socket, admitted);
    });
  }

  /** Verifies the ticket and that this worker can serve now; throws the RealtimeError to close the socket with. */
  async function admit(url: URL): Promise<TicketClaims> {
    const claims = await authenticateTicket(url);
    if (!bridge.ready) {
      // Starting up, or a Redis blip: wait briefly rather than bounce the browser.
      await bridge.whenReady(REDIS_WAIT_MS).catch(() => {
        throw new RealtimeError("UNAVAILABLE", "The live feed is unavailable right now; reconnect in a few seconds.");
      });
    }
    if (shuttingDown) throw new RealtimeError("SHUTTING_DOWN", RESTARTING);
    return claims;
  }

  function open(ws: WebSocket, socket: Duplex, claims: TicketClaims): void {
    // Conflation waits for "drain", which the socket only emits once its buffer passed its high-water mark.
    const conflateBytes = Math.max(config.conflateBytes, socket.writableHighWaterMark);
    const outbox = new Outbox(ws, {
      conflateBytes,
      maxQueuedEvents: config.maxQueuedEvents,
      onOverflow: () => session.resync(),
    });
    const session: ClientSession = new ClientSession(claims, outbox, ctx, (err) => {
      metrics.refusals.inc({ code: err.code });
      ws.close(err.closeCode, err.message);
    });
    sockets.set(ws, { session, outbox });
    perUser.set(claims.userId, (perUser.get(claims.userId) ?? 0) + 1);
    socket.on("drain", () => outbox.flush());
    // The feed is receive-only: a client that sends data is broken or probing.
    ws.once("message", () => {
      const err = new RealtimeError("CLIENT_MESSAGE", "This feed is receive-only; clients send nothing.");
      metrics.refusals.inc({ code: err.code });
      ws.close(err.closeCode, err.message);
    });
    ws.on("error", (err) => log.debug({ err: err.message, userId: claims.userId }, "socket error"));
    ws.once("close", (code) => {
      session.close();
      sockets.delete(ws);
      const left = (perUser.get(claims.userId) ?? 1) - 1;
      if (left > 0) perUser.set(claims.userId, left);
      else perUser.delete(claims.userId);
      log.info({ userId: claims.userId, code }, "client disconnected");
    });
    heartbeat.watch(ws);
    log.info({ userId: claims.userId, role: claims.role, scope: formatScope(claims.scope) }, "client connected");
    session.start();
  }

  /** Resolves once the state plane is there, or after STATE_PLANE_WAIT_MS (then the clients get ADD_CARs as it is rebuilt). */
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
    log.info({ reason, clients: sockets.size }, "worker shutting down");
    setTimeout(() => {
      log.error("graceful shutdown timed out; exiting anyway");
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    heartbeat.stop();
    server.close();
    const closed = [...sockets.keys()].map((ws) => new Promise((resolve) => ws.once("close", resolve)));
    for (const ws of sockets.keys()) ws.close(1001, RESTARTING);
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, config.shutdownTimeoutMs / 2))]);
    // Clients that did not answer the close handshake in time.
    for (const ws of sockets.keys()) ws.terminate();
    await bridge.close(config.shutdownTimeoutMs / 4);
    log.info("worker stopped");
    process.exit(0);
  }
}

// Baseline (b): Socket.IO with @socket.io/redis-adapter, one room per scope unit — how a TypeScript team usually closes the WebSocket silo.
// tsx bench/baselines/socketio-sidecar.ts --port N --workers N   (env as the realtime sidecar's: REDIS_URL, REALTIME_TICKET_SECRET)
import http from "node:http";
import { parseArgs } from "node:util";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { verifyRealtimeTicket, type TicketClaims } from "../../lib/auth/tokens";
import { env } from "../../lib/env";
import { formatScope, scopeContains } from "../../lib/scope";
import { redisScopeState } from "../../realtime/scope-state";
import { runBaselineCluster } from "./cluster";

const { values } = parseArgs({ options: { port: { type: "string" }, workers: { type: "string", default: "2" } } });

async function startWorker(): Promise<void> {
  const pub = new Redis(env.REDIS_URL);
  const sub = pub.duplicate();
  const command = new Redis(env.REDIS_URL);
  const state = redisScopeState(command, env.REDIS_PREFIX);
  const server = http.createServer();
  // WebSocket transport only: no long-polling, so no sticky sessions are needed in front of the cluster.
  const io = new Server(server, { transports: ["websocket"], serveClient: false });
  io.adapter(createAdapter(pub, sub));

  io.use((socket, next) => {
    verifyRealtimeTicket(String((socket.handshake.auth as { ticket?: unknown }).ticket ?? "")).then(
      (claims) => {
        socket.data = claims;
        next();
      },
      (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
    );
  });
  io.on("connection", (socket) => {
    const claims = socket.data as TicketClaims;
    // One room per scope unit; the emitter targets a patrol's five ancestor rooms.
    void socket.join(formatScope(claims.scope));
    (async () => {
      const patrols = (await state.patrolViews(await state.activePatrolIds(claims.scope))).filter((p) => scopeContains(claims.scope, p));
      socket.emit("snapshot", { type: "SNAPSHOT", scope: claims.scope, patrols, worker: process.pid });
    })().catch(() => socket.disconnect(true));
  });
  await new Promise<void>((resolve) => server.listen(Number(values.port), "127.0.0.1", resolve));
}

runBaselineCluster(Number(values.workers), startWorker);

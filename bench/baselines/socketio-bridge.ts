// Baseline (b)'s publisher: emits every accepted telemetry point to its patrol's scope rooms through the Redis adapter.
// tsx bench/baselines/socketio-bridge.ts   (env: REDIS_URL)
//
// In a Socket.IO deployment the web tier would call `emitter.to(rooms).emit(...)` (@socket.io/redis-emitter) in
// POST /api/telemetry. Product code stays untouched here, so this process subscribes to the same `live:patrol:*`
// data Sentinel's ingestion publishes and re-emits each point exactly as that emitter would: one adapter
// broadcast per point, rooms = the patrol's station, division, zone, district and city.
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { env } from "../../lib/env";
import { patrolChannelPattern, patrolIdOfChannel } from "../../lib/redis/keys";
import { formatScope, scopesOf } from "../../lib/scope";
import { READY_LINE } from "./cluster";
import { PatrolMetaCache } from "./patrol-meta-cache";

async function main(): Promise<void> {
  const prefix = env.REDIS_PREFIX;
  const pub = new Redis(env.REDIS_URL);
  // Server without an HTTP listener: only its adapter is used, to broadcast to the sidecar's workers.
  const io = new Server();
  io.adapter(createAdapter(pub, pub.duplicate()));
  const data = new Redis(env.REDIS_URL);
  const metas = new PatrolMetaCache(new Redis(env.REDIS_URL), prefix);
  data.on("pmessageBuffer", (_pattern: Buffer, channel: Buffer, payload: Buffer) => {
    const patrolId = patrolIdOfChannel(prefix, channel.toString());
    if (patrolId === null) return;
    metas.with(patrolId, (meta) => {
      io.to(scopesOf(meta).map(formatScope)).emit("telemetry", JSON.parse(payload.toString()) as unknown);
    });
  });
  await data.psubscribe(patrolChannelPattern(prefix));
  console.log(READY_LINE);
  process.on("SIGTERM", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error("socket.io bridge failed:", err);
  process.exit(1);
});

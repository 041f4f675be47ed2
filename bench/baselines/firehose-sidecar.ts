// Baseline (a), the design docs/ARCHITECTURE.md §2 rejects: every worker PSUBSCRIBEs `live:*`, filtering per client.
// tsx bench/baselines/firehose-sidecar.ts --port N --workers N   (env as the realtime sidecar's: REDIS_URL, REALTIME_TICKET_SECRET)
import http from "node:http";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { WebSocketServer, type WebSocket } from "ws";
import { env } from "../../lib/env";
import type { SnapshotFrame } from "../../lib/realtime/protocol";
import { patrolChannelPattern } from "../../lib/redis/keys";
import { scopeContains, type Scope } from "../../lib/scope";
import { RealtimeError } from "../../realtime/errors";
import { redisScopeState } from "../../realtime/scope-state";
import { authenticateTicket, checkUpgradeRequest, refuseUpgrade } from "../../realtime/upgrade-auth";
import { WORKER_HEADER } from "../../realtime/worker";
import { runBaselineCluster } from "./cluster";
import { PatrolMetaCache } from "./patrol-meta-cache";

const { values } = parseArgs({ options: { port: { type: "string" }, workers: { type: "string", default: "2" } } });

async function startWorker(): Promise<void> {
  const prefix = env.REDIS_PREFIX;
  const subscriber = new Redis(env.REDIS_URL);
  const command = new Redis(env.REDIS_URL);
  const state = redisScopeState(command, prefix);
  const metas = new PatrolMetaCache(command, prefix);
  const clients = new Set<{ ws: WebSocket; scope: Scope }>();

  // The firehose: every frame of every patrol reaches every worker, which parses it to learn whose it is.
  // Subscribed when the first client connects, so an idle baseline costs nothing while other tiers are measured.
  let firehose: Promise<unknown> | null = null;
  subscriber.on("pmessageBuffer", (_pattern: Buffer, _channel: Buffer, payload: Buffer) => {
    let patrolId: number;
    try {
      patrolId = (JSON.parse(payload.toString()) as { patrolId: number }).patrolId;
    } catch {
      return;
    }
    metas.with(patrolId, (meta) => {
      for (const client of clients) if (scopeContains(client.scope, meta)) client.ws.send(payload, { binary: false });
    });
  });

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  wss.on("headers", (headers) => headers.push(`${WORKER_HEADER}: ${process.pid}`));
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => {
    socket.on("error", () => undefined);
    const admit = async () => authenticateTicket(checkUpgradeRequest(req, new Set()));
    admit().then(
      (claims) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on("error", () => undefined);
          const client = { ws, scope: claims.scope };
          ws.once("close", () => clients.delete(client));
          void (async () => {
            await (firehose ??= subscriber.psubscribe(patrolChannelPattern(prefix)));
            const patrols = (await state.patrolViews(await state.activePatrolIds(claims.scope))).filter((p) => scopeContains(claims.scope, p));
            const snapshot: SnapshotFrame = { type: "SNAPSHOT", scope: claims.scope, patrols, alerts: [] };
            ws.send(JSON.stringify(snapshot));
            clients.add(client);
          })().catch(() => ws.close(1013));
        }),
      (err: unknown) => (err instanceof RealtimeError ? refuseUpgrade(socket, err) : socket.destroy()),
    );
  });
  await new Promise<void>((resolve) => server.listen(Number(values.port), "127.0.0.1", resolve));
}

runBaselineCluster(Number(values.workers), startWorker);

// A dashboard load process (forked by bench/dashboards.ts): holds many dashboard connections and stamps every frame on arrival.
import { io } from "socket.io-client";
import WebSocket from "ws";
import { signRealtimeTicket } from "../../../lib/auth/tokens";
import { scopeContains, type UnitChain } from "../../../lib/scope";
import { monotonicMs } from "./clock";
import type { ClientStatus, DashboardCommand, DashboardReply } from "./dashboards";
import type { DashboardSpec } from "../../../bench/fleet";
import type { ClientFrames } from "../../../bench/stats";

/** Connections opened at once per process: 25. */
const CONNECT_BATCH = 25;
/** A connection that has not delivered its SNAPSHOT by then counts as failed: 15 s. */
const CONNECT_TIMEOUT_MS = 15_000;

/** The fields of a frame this process looks at. */
interface FrameFields {
  type?: string;
  patrolId?: number;
  ts?: number;
  patrols?: Array<{ patrolId: number }>;
  /** Worker pid; the Socket.IO baseline puts it in its SNAPSHOT (ws servers send it as an upgrade header). */
  worker?: number;
}

/** One connected dashboard and what it received. */
class DashboardClient {
  readonly status: ClientStatus;
  private patrolIds: number[] = [];
  private ts: number[] = [];
  private receivedAt: number[] = [];
  private readonly visible = new Map<number, boolean>();
  /** Closes the connection; set once connected. */
  close: () => void = () => undefined;

  constructor(
    readonly spec: DashboardSpec,
    private readonly chains: ReadonlyMap<number, UnitChain>,
  ) {
    this.status = {
      clientId: spec.clientId,
      worker: null,
      snapshotPatrols: -1,
      snapshotOutOfScope: 0,
      outOfScope: 0,
      otherFrames: 0,
      closedCode: null,
    };
  }

  /** Handles one decoded frame that arrived at monotonic time `at`. */
  onFrame(frame: FrameFields, at: number): void {
    if (frame.type === "TELEMETRY" && typeof frame.patrolId === "number" && typeof frame.ts === "number") {
      if (!this.maySee(frame.patrolId)) this.status.outOfScope++;
      this.patrolIds.push(frame.patrolId);
      this.ts.push(frame.ts);
      this.receivedAt.push(at);
    } else if (frame.type === "SNAPSHOT" && Array.isArray(frame.patrols)) {
      this.status.snapshotPatrols = frame.patrols.length;
      this.status.snapshotOutOfScope = frame.patrols.filter((p) => !this.maySee(p.patrolId)).length;
      if (typeof frame.worker === "number") this.status.worker = frame.worker;
    } else {
      this.status.otherFrames++;
    }
  }

  /** Hands over (and forgets) every TELEMETRY frame received so far. */
  takeFrames(): ClientFrames {
    const out: ClientFrames = {
      clientId: this.spec.clientId,
      patrolIds: Float64Array.from(this.patrolIds),
      ts: Float64Array.from(this.ts),
      receivedAt: Float64Array.from(this.receivedAt),
    };
    this.patrolIds = [];
    this.ts = [];
    this.receivedAt = [];
    return out;
  }

  /** True when the client's scope contains the patrol (an unknown patrol is never visible). */
  private maySee(patrolId: number): boolean {
    let v = this.visible.get(patrolId);
    if (v === undefined) {
      const chain = this.chains.get(patrolId);
      v = chain !== undefined && scopeContains(this.spec.scope, chain);
      this.visible.set(patrolId, v);
    }
    return v;
  }
}

/** Opens a raw WebSocket dashboard (Sentinel's sidecar and the firehose baseline speak the same protocol). */
function connectWs(client: DashboardClient, url: string, ticket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?ticket=${encodeURIComponent(ticket)}`, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error("no SNAPSHOT within 15 s")), CONNECT_TIMEOUT_MS);
    client.close = () => ws.close(1000);
    ws.on("upgrade", (res) => {
      const worker = Number(res.headers["x-sentinel-worker"]);
      if (Number.isInteger(worker)) client.status.worker = worker;
    });
    ws.on("message", (data: Buffer) => {
      const at = monotonicMs();
      const frame = JSON.parse(data.toString()) as FrameFields;
      client.onFrame(frame, at);
      if (frame.type === "SNAPSHOT") {
        clearTimeout(timer);
        resolve();
      }
    });
    ws.on("close", (code) => {
      client.status.closedCode = code;
      clearTimeout(timer);
      reject(new Error(`closed with ${code} before SNAPSHOT`));
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Opens a Socket.IO dashboard (websocket transport only, as a production deployment behind a plain balancer would). */
function connectSocketIo(client: DashboardClient, url: string, ticket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ["websocket"], auth: { ticket }, reconnection: false, forceNew: true });
    const timer = setTimeout(() => reject(new Error("no snapshot within 15 s")), CONNECT_TIMEOUT_MS);
    client.close = () => socket.disconnect();
    socket.on("telemetry", (frame: FrameFields) => client.onFrame(frame, monotonicMs()));
    socket.on("snapshot", (frame: FrameFields) => {
      client.onFrame(frame, monotonicMs());
      clearTimeout(timer);
      resolve();
    });
    socket.on("connect_error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("disconnect", (reason) => {
      client.status.closedCode = reason === "io client disconnect" ? 1000 : 1006;
    });
  });
}

let clients: DashboardClient[] = [];

function reply(message: DashboardReply): void {
  process.send?.(message);
}

async function connectAll(command: Extract<DashboardCommand, { type: "connect" }>): Promise<void> {
  const chains = new Map(command.patrols.map(([patrolId, stationId, divisionId, zoneId, districtId]) => [patrolId, { stationId, divisionId, zoneId, districtId }]));
  clients = command.clients.map((spec) => new DashboardClient(spec, chains));
  const errors: string[] = [];
  for (let i = 0; i < clients.length; i += CONNECT_BATCH) {
    await Promise.all(
      clients.slice(i, i + CONNECT_BATCH).map(async (client) => {
        const { ticket } = await signRealtimeTicket({ userId: client.spec.userId, role: client.spec.role, scope: client.spec.scope });
        const connect = command.transport === "socketio" ? connectSocketIo : connectWs;
        await connect(client, command.url, ticket).catch((err: unknown) => errors.push(`client ${client.spec.clientId}: ${String(err)}`));
      }),
    );
  }
  reply({ type: "connected", clients: clients.map((c) => c.status), errors });
}

process.on("message", (command: DashboardCommand) => {
  switch (command.type) {
    case "connect":
      connectAll(command).catch((err: unknown) => reply({ type: "connected", clients: [], errors: [String(err)] }));
      break;
    case "collect": {
      const frames = clients.map((c) => c.takeFrames());
      reply({ type: "frames", frames, clients: clients.map((c) => c.status) });
      break;
    }
    case "disconnect":
      for (const c of clients) c.close();
      clients = [];
      reply({ type: "disconnected" });
      break;
  }
});

// The parent is gone (killed or crashed): close everything and leave, so no load generator outlives the run.
process.on("disconnect", () => {
  for (const c of clients) c.close();
  process.exit(0);
});

// A dashboard load process (forked by test/support/load/dashboards.ts): holds many dashboard connections, keeps what each
// map would show and counts, and optionally stamps, every frame on arrival.
import { io } from "socket.io-client";
import WebSocket from "ws";
import { signRealtimeTicket } from "../../../lib/auth/tokens";
import { scopeContains, type UnitChain } from "../../../lib/scope";
import { monotonicMs } from "./clock";
import type { ClientAlertFrames, ClientFrames, ClientStatus, DashboardBehaviour, DashboardCommand, DashboardReply, DashboardSpec, Transport } from "./dashboards";
import { emptyHistogram, latencyBucket } from "./latency-histogram";

/** Connections opened at once per process: 25. */
const CONNECT_BATCH = 25;
/** A connection that has not delivered its SNAPSHOT by then counts as failed: 15 s. */
const CONNECT_TIMEOUT_MS = 15_000;
/** Pause before reopening a dropped connection, as the map's first backoff step: 500 ms. */
const RECONNECT_DELAY_MS = 500;

const TELEMETRY_PREFIX = '{"type":"TELEMETRY"';
/** `Date.now() - ts` of every TELEMETRY frame this process received. */
let latency = emptyHistogram();

/** The fields of a non-telemetry frame this process looks at. */
interface FrameFields {
  type?: string;
  event?: string;
  patrolId?: number;
  ts?: number;
  patrols?: Array<{ patrolId: number }>;
  patrol?: { patrolId: number };
  /** ALERT frames: the alert and its unit chain. */
  alert?: UnitChain & { alertId: number; patrolId: number };
  /** Worker pid; the Socket.IO baseline puts it in its SNAPSHOT (ws servers send it as an upgrade header). */
  worker?: number;
}

/** One dashboard and what it received. */
class DashboardClient {
  readonly status: ClientStatus;
  private patrolIds: number[] = [];
  private ts: number[] = [];
  private receivedAt: number[] = [];
  private alertIds: number[] = [];
  private alertPatrolIds: number[] = [];
  private alertReceivedAt: number[] = [];
  /** What the map shows: the last SNAPSHOT plus ADD_CARs minus REMOVE_CARs. */
  private readonly shown = new Set<number>();
  private readonly visible = new Map<number, boolean>();
  private closing = false;
  /** Closes the current connection; set once connected. */
  private closeConnection: () => void = () => undefined;

  constructor(
    readonly spec: DashboardSpec,
    private readonly chains: ReadonlyMap<number, UnitChain>,
    private readonly behaviour: DashboardBehaviour,
    private readonly transport: Transport,
    private readonly url: string,
  ) {
    this.status = {
      clientId: spec.clientId,
      worker: null,
      snapshotPatrols: -1,
      snapshotOutOfScope: 0,
      snapshots: 0,
      telemetry: 0,
      unknown: 0,
      outOfScope: 0,
      alerts: 0,
      alertOutOfScope: 0,
      otherFrames: 0,
      reconnects: 0,
      open: false,
      closedCode: null,
    };
  }

  /** Opens the connection with a fresh ticket; resolves at its SNAPSHOT. */
  async open(): Promise<void> {
    const { ticket } = await signRealtimeTicket({ userId: this.spec.userId, role: this.spec.role, scope: this.spec.scope, placement: this.spec.placement });
    await (this.transport === "socketio" ? this.openSocketIo(ticket) : this.openWs(ticket));
    this.status.open = true;
  }

  close(): void {
    this.closing = true;
    this.closeConnection();
  }

  /** Hands over (and forgets) every kept TELEMETRY frame. */
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

  /** Hands over (and forgets) every kept ALERT frame. */
  takeAlerts(): ClientAlertFrames {
    const out: ClientAlertFrames = {
      clientId: this.spec.clientId,
      alertIds: Float64Array.from(this.alertIds),
      patrolIds: Float64Array.from(this.alertPatrolIds),
      receivedAt: Float64Array.from(this.alertReceivedAt),
    };
    this.alertIds = [];
    this.alertPatrolIds = [];
    this.alertReceivedAt = [];
    return out;
  }

  /** Raw WebSocket: Sentinel's sidecar and the firehose baseline speak the same protocol. */
  private openWs(ticket: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.url}?ticket=${encodeURIComponent(ticket)}`, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
      const timer = setTimeout(() => reject(new Error(`client ${this.spec.clientId}: no SNAPSHOT within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      this.closeConnection = () => ws.close(1000);
      ws.on("upgrade", (res) => {
        const worker = Number(res.headers["x-sentinel-worker"]);
        if (Number.isInteger(worker)) this.status.worker = worker;
      });
      ws.on("message", (data: Buffer) => {
        const at = monotonicMs();
        const text = data.toString();
        // The hot path: read the two fields of a TELEMETRY frame with a regex rather than parse thousands a second.
        if (text.startsWith(TELEMETRY_PREFIX)) {
          this.onTelemetry(Number(/"patrolId":(\d+)/.exec(text)?.[1]), Number(/"ts":(\d+)/.exec(text)?.[1]), at);
        } else if (this.onFrame(JSON.parse(text) as FrameFields, at)) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.once("close", (code) => {
        clearTimeout(timer);
        this.onClose(code);
        reject(new Error(`client ${this.spec.clientId}: closed with ${code} before SNAPSHOT`));
      });
      ws.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Socket.IO, websocket transport only (as a production deployment behind a plain balancer would). */
  private openSocketIo(ticket: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = io(this.url, { transports: ["websocket"], auth: { ticket }, reconnection: false, forceNew: true });
      const timer = setTimeout(() => reject(new Error(`client ${this.spec.clientId}: no snapshot within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      this.closeConnection = () => socket.disconnect();
      socket.on("telemetry", (frame: FrameFields) => this.onTelemetry(frame.patrolId!, frame.ts!, monotonicMs()));
      socket.on("snapshot", (frame: FrameFields) => {
        this.onFrame(frame, monotonicMs());
        clearTimeout(timer);
        resolve();
      });
      socket.on("connect_error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.on("disconnect", (reason) => this.onClose(reason === "io client disconnect" ? 1000 : 1006));
    });
  }

  private onTelemetry(patrolId: number, ts: number, at: number): void {
    if (this.shown.has(patrolId)) this.status.telemetry++;
    else this.status.unknown++;
    if (!this.maySee(patrolId)) this.status.outOfScope++;
    latency[latencyBucket(Date.now() - ts)]!++;
    if (!this.behaviour.keepFrames) return;
    this.patrolIds.push(patrolId);
    this.ts.push(ts);
    this.receivedAt.push(at);
  }

  /** Handles a frame other than TELEMETRY, decoded at `at`; true when it was a SNAPSHOT. */
  private onFrame(frame: FrameFields, at: number): boolean {
    if (frame.type === "SNAPSHOT" && Array.isArray(frame.patrols)) {
      this.shown.clear();
      for (const p of frame.patrols) this.shown.add(p.patrolId);
      this.status.snapshots++;
      this.status.snapshotPatrols = frame.patrols.length;
      this.status.snapshotOutOfScope = frame.patrols.filter((p) => !this.maySee(p.patrolId)).length;
      if (typeof frame.worker === "number") this.status.worker = frame.worker;
      return true;
    }
    if (frame.type === "ALERT" && frame.alert) this.onAlert(frame.alert, at);
    else if (frame.event === "ADD_CAR" && frame.patrol) this.shown.add(frame.patrol.patrolId);
    else if (frame.event === "REMOVE_CAR" && frame.patrol) this.shown.delete(frame.patrol.patrolId);
    else this.status.otherFrames++;
    return false;
  }

  /** ALERTs are routed by the alert's own unit chain: that is what the client's scope must contain. */
  private onAlert(alert: NonNullable<FrameFields["alert"]>, at: number): void {
    this.status.alerts++;
    if (!scopeContains(this.spec.scope, alert)) this.status.alertOutOfScope++;
    if (!this.behaviour.keepFrames) return;
    this.alertIds.push(alert.alertId);
    this.alertPatrolIds.push(alert.patrolId);
    this.alertReceivedAt.push(at);
  }

  private onClose(code: number): void {
    this.status.open = false;
    if (this.closing) return;
    this.status.closedCode = code;
    if (!this.behaviour.reconnect) return;
    this.status.reconnects++;
    setTimeout(() => {
      if (!this.closing) this.open().catch(() => undefined);
    }, RECONNECT_DELAY_MS);
  }

  /** True when the client's scope contains the patrol (a patrol the load did not name is never in scope). */
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

let clients: DashboardClient[] = [];

function reply(message: DashboardReply): void {
  process.send?.(message);
}

async function connectAll(command: Extract<DashboardCommand, { type: "connect" }>): Promise<void> {
  const chains = new Map(command.patrols.map(([patrolId, stationId, divisionId, zoneId, districtId]) => [patrolId, { stationId, divisionId, zoneId, districtId }]));
  // Added to the clients already connected (none after a "disconnect").
  const added = command.clients.map((spec) => new DashboardClient(spec, chains, command.behaviour, command.transport, command.url));
  clients.push(...added);
  latency = emptyHistogram();
  const errors: string[] = [];
  for (let i = 0; i < added.length; i += CONNECT_BATCH) {
    await Promise.all(
      added.slice(i, i + CONNECT_BATCH).map((client) => client.open().catch((err: unknown) => errors.push(err instanceof Error ? err.message : String(err)))),
    );
  }
  reply({ type: "connected", clients: added.map((c) => c.status), errors });
}

process.on("message", (command: DashboardCommand) => {
  switch (command.type) {
    case "connect":
      connectAll(command).catch((err: unknown) => reply({ type: "connected", clients: [], errors: [String(err)] }));
      break;
    case "collect":
      reply({ type: "collected", frames: clients.map((c) => c.takeFrames()), alerts: clients.map((c) => c.takeAlerts()), clients: clients.map((c) => c.status), latency, heapUsed: process.memoryUsage().heapUsed });
      break;
    case "disconnect":
      for (const c of clients) c.close();
      clients = [];
      reply({ type: "disconnected" });
      break;
  }
});

// The parent is gone (it stopped us, was killed or crashed): close everything and leave, so no load outlives the run.
process.on("disconnect", () => {
  for (const c of clients) c.close();
  process.exit(0);
});
// Ctrl-C reaches the whole process group: the parent decides when we stop, so it can still collect.
process.on("SIGINT", () => undefined);

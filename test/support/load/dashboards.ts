import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Placement } from "../../../lib/realtime/placement";
import type { Scope, UnitChain } from "../../../lib/scope";
import type { EnvVars } from "../stack";
import { emptyHistogram } from "./latency-histogram";

/**
 * The dashboard audience of the benchmark and the soak: clients spread over
 * separate load processes (so their receive work neither shares an event loop
 * with the driver nor delays each other), controlled over IPC. Each client
 * keeps what the map would show (SNAPSHOT, ADD_CAR, REMOVE_CAR) and counts
 * every TELEMETRY frame against it and against its scope.
 */

/** One dashboard: a made-up user with one scope (tickets are signed by the load, so the user need not exist). */
export interface DashboardSpec {
  clientId: number;
  userId: number;
  role: "ADMIN" | "COMMANDER";
  scope: Scope;
  /** The ticket's placement hint (the district and zone of the scope), as the web tier issues it; absent for the city. */
  placement?: Placement | null;
}

/** How a dashboard talks to its server. */
export type Transport = "ws" | "socketio";

/** How the clients of a `connect` behave. */
export interface DashboardBehaviour {
  /** Keep (patrolId, ts, arrival) of every TELEMETRY frame, and (alertId, patrolId, arrival) of every ALERT frame, until `collect` (the benchmark's latency joins). */
  keepFrames: boolean;
  /** Reopen a dropped connection after 500 ms, as the map does (the soak); otherwise it stays closed. */
  reconnect: boolean;
}

/** What a load process knows about one of its clients. */
export interface ClientStatus {
  clientId: number;
  /** Pid of the server worker holding the connection, when the server says. */
  worker: number | null;
  /** Patrols in the last SNAPSHOT (-1 before one arrived). */
  snapshotPatrols: number;
  /** SNAPSHOT patrols outside the client's scope (must be 0). */
  snapshotOutOfScope: number;
  snapshots: number;
  /** TELEMETRY frames of patrols the map shows (from its SNAPSHOT or an ADD_CAR). */
  telemetry: number;
  /** TELEMETRY frames of patrols the map does not show (outside its scope, or before SNAPSHOT/ADD_CAR): must stay 0. */
  unknown: number;
  /** TELEMETRY frames of patrols outside the client's scope, since connecting (must be 0). */
  outOfScope: number;
  /** ALERT frames (any state), since connecting. */
  alerts: number;
  /** ALERT frames about a patrol outside the client's scope (by the alert's own unit chain), since connecting (must be 0). */
  alertOutOfScope: number;
  /** Frames other than SNAPSHOT, TELEMETRY, ALERT, ADD_CAR and REMOVE_CAR. */
  otherFrames: number;
  /** Times the connection dropped and was opened again (frames in between are lost). */
  reconnects: number;
  open: boolean;
  /** Close code of the last close by the server, if any. */
  closedCode: number | null;
}

/** TELEMETRY frames one client received, as parallel arrays (cheap to send between processes). */
export interface ClientFrames {
  clientId: number;
  patrolIds: Float64Array;
  ts: Float64Array;
  /** `monotonicMs()` arrival of each frame. */
  receivedAt: Float64Array;
}

/** ALERT frames one client received (every state), as parallel arrays like `ClientFrames`. */
export interface ClientAlertFrames {
  clientId: number;
  alertIds: Float64Array;
  patrolIds: Float64Array;
  /** `monotonicMs()` arrival of each frame. */
  receivedAt: Float64Array;
}

/** A patrol's place in the organisation, for the clients' scope checks: [patrolId, stationId, divisionId, zoneId, districtId]. */
export type PatrolChain = [number, number, number, number, number];

/** Parent → load process. */
export type DashboardCommand =
  | { type: "connect"; transport: Transport; url: string; clients: DashboardSpec[]; patrols: PatrolChain[]; behaviour: DashboardBehaviour }
  | { type: "collect" }
  | { type: "disconnect" };

/** Load process → parent. */
export type DashboardReply =
  | { type: "connected"; clients: ClientStatus[]; errors: string[] }
  | { type: "collected"; frames: ClientFrames[]; alerts: ClientAlertFrames[]; clients: ClientStatus[]; latency: number[]; heapUsed: number }
  | { type: "disconnected" };

/** What `collect` returns: frames (when kept), every client's status, frame latency and each process's heap. */
export interface Collected {
  frames: ClientFrames[];
  /** ALERT frames (when kept). */
  alerts: ClientAlertFrames[];
  clients: ClientStatus[];
  /** Histogram (LATENCY_BUCKETS_MS) of `Date.now() - ts` at each TELEMETRY frame's arrival, over every client. */
  latency: number[];
  /** V8 heap used by each load process, in the order of `pids`. */
  heapUsed: number[];
}

/** Longest wait for a load process to answer: 60 s. */
const REPLY_TIMEOUT_MS = 60_000;
/**
 * Longer for a `connect`, by the clients a process opens (25 at a time, each waiting for its SNAPSHOT): 100 ms
 * more per client. 500 clients per process took over a minute on 2 cores loaded 8-fold; 2,500 must not time out.
 */
const CONNECT_MS_PER_CLIENT = 100;
/** How long a load process may take to leave once told to: 2 s. */
const EXIT_TIMEOUT_MS = 2_000;

/** A set of dashboard load processes. */
export class DashboardPool {
  private constructor(private readonly children: ChildProcess[]) {}

  /** Forks `processes` load processes with `env` (which must carry REALTIME_TICKET_SECRET); they are never profiled. */
  static start(processes: number, env: EnvVars): DashboardPool {
    const children = Array.from({ length: processes }, () =>
      fork(path.join(__dirname, "dashboard-process.ts"), [], {
        env: { ...process.env, ...env, LOG_LEVEL: "warn", NODE_OPTIONS: process.env.NODE_OPTIONS },
        serialization: "advanced",
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );
    for (const child of children) child.on("error", (err) => console.error(`dashboard process ${child.pid}: ${err.message}`));
    return new DashboardPool(children);
  }

  /** Pids of the load processes. */
  get pids(): number[] {
    return this.children.map((c) => c.pid!);
  }

  /**
   * Connects `dashboards` (dealt round-robin over the processes) besides those already connected, and waits for
   * every SNAPSHOT; returns the status of each of these.
   */
  async connect(
    transport: Transport,
    url: string,
    dashboards: DashboardSpec[],
    patrols: Array<UnitChain & { patrolId: number }>,
    behaviour: DashboardBehaviour,
  ): Promise<{ clients: ClientStatus[]; errors: string[] }> {
    const chains = patrols.map((p): PatrolChain => [p.patrolId, p.stationId, p.divisionId, p.zoneId, p.districtId]);
    const replies = await Promise.all(
      this.children.map((child, i) => {
        const clients = dashboards.filter((d) => d.clientId % this.children.length === i);
        const timeoutMs = REPLY_TIMEOUT_MS + clients.length * CONNECT_MS_PER_CLIENT;
        return this.ask(child, { type: "connect", transport, url, patrols: chains, clients, behaviour }, "connected", timeoutMs);
      }),
    );
    return { clients: replies.flatMap((r) => r.clients), errors: replies.flatMap((r) => r.errors) };
  }

  /** Takes every kept frame so far (the processes forget them), each client's status, the frame latency and each process's heap. */
  async collect(): Promise<Collected> {
    const replies = await Promise.all(this.children.map((child) => this.ask(child, { type: "collect" }, "collected")));
    const latency = emptyHistogram();
    for (const r of replies) r.latency.forEach((n, i) => (latency[i]! += n));
    return { frames: replies.flatMap((r) => r.frames), alerts: replies.flatMap((r) => r.alerts), clients: replies.flatMap((r) => r.clients), latency, heapUsed: replies.map((r) => r.heapUsed) };
  }

  /** Closes every dashboard connection (the processes stay up for the next system). */
  async disconnect(): Promise<void> {
    await Promise.all(this.children.map((child) => this.ask(child, { type: "disconnect" }, "disconnected")));
  }

  /** Ends the load processes (they leave when their IPC channel closes); kills any still there after 2 s. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        if (child.connected) child.disconnect();
        const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private ask<T extends DashboardReply["type"]>(
    child: ChildProcess,
    command: DashboardCommand,
    expect: T,
    timeoutMs = REPLY_TIMEOUT_MS,
  ): Promise<Extract<DashboardReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off("message", onMessage);
        reject(new Error(`dashboard process ${child.pid} did not answer "${command.type}" within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const onMessage = (message: DashboardReply) => {
        if (message.type !== expect) return;
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(message as Extract<DashboardReply, { type: T }>);
      };
      child.on("message", onMessage);
      child.send(command);
    });
  }
}

import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { EnvVars } from "../stack";
import type { BenchPatrol, DashboardSpec } from "../../../bench/fleet";
import type { ClientFrames } from "../../../bench/stats";

/**
 * The dashboard audience: clients spread over separate load processes (so
 * their receive work neither shares an event loop with the driver nor
 * delays each other), controlled over IPC.
 */

/** How a dashboard talks to its server. */
export type Transport = "ws" | "socketio";

/** What a load process knows about one of its clients. */
export interface ClientStatus {
  clientId: number;
  /** Pid of the server worker holding the connection, when the server says. */
  worker: number | null;
  /** Patrols in the SNAPSHOT (-1 before one arrived). */
  snapshotPatrols: number;
  /** SNAPSHOT patrols outside the client's scope (must be 0). */
  snapshotOutOfScope: number;
  /** TELEMETRY frames of patrols outside the client's scope, since connecting (must be 0). */
  outOfScope: number;
  /** Frames other than SNAPSHOT and TELEMETRY. */
  otherFrames: number;
  /** Close code, if the server closed the connection. */
  closedCode: number | null;
}

/** Parent → load process. Patrols travel as [patrolId, stationId, divisionId, zoneId, districtId]. */
export type DashboardCommand =
  | { type: "connect"; transport: Transport; url: string; clients: DashboardSpec[]; patrols: Array<[number, number, number, number, number]> }
  | { type: "collect" }
  | { type: "disconnect" };

/** Load process → parent. */
export type DashboardReply =
  | { type: "connected"; clients: ClientStatus[]; errors: string[] }
  | { type: "frames"; frames: ClientFrames[]; clients: ClientStatus[] }
  | { type: "disconnected" };

/** Longest wait for a load process to answer: 60 s. */
const REPLY_TIMEOUT_MS = 60_000;

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

  /** Connects `dashboards` (dealt round-robin over the processes) and waits for every SNAPSHOT. */
  async connect(transport: Transport, url: string, dashboards: DashboardSpec[], patrols: BenchPatrol[]): Promise<{ clients: ClientStatus[]; errors: string[] }> {
    const chains = patrols.map((p): [number, number, number, number, number] => [p.patrolId, p.stationId, p.divisionId, p.zoneId, p.districtId]);
    const replies = await Promise.all(
      this.children.map((child, i) =>
        this.ask(child, { type: "connect", transport, url, patrols: chains, clients: dashboards.filter((d) => d.clientId % this.children.length === i) }, "connected"),
      ),
    );
    return { clients: replies.flatMap((r) => r.clients), errors: replies.flatMap((r) => r.errors) };
  }

  /** Takes every frame received so far (the processes forget them) and each client's status. */
  async collect(): Promise<{ frames: ClientFrames[]; clients: ClientStatus[] }> {
    const replies = await Promise.all(this.children.map((child) => this.ask(child, { type: "collect" }, "frames")));
    return { frames: replies.flatMap((r) => r.frames), clients: replies.flatMap((r) => r.clients) };
  }

  /** Closes every dashboard connection (the processes stay up for the next system). */
  async disconnect(): Promise<void> {
    await Promise.all(this.children.map((child) => this.ask(child, { type: "disconnect" }, "disconnected")));
  }

  /** Ends the load processes. */
  stop(): void {
    for (const child of this.children) if (child.connected) child.disconnect();
  }

  private ask<T extends DashboardReply["type"]>(child: ChildProcess, command: DashboardCommand, expect: T): Promise<Extract<DashboardReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off("message", onMessage);
        reject(new Error(`dashboard process ${child.pid} did not answer "${command.type}" within ${REPLY_TIMEOUT_MS / 1000} s`));
      }, REPLY_TIMEOUT_MS);
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

import { Cluster, type Redis } from "ioredis";
import type { RedisClient } from "../../lib/redis/client";
import { keySlot } from "../../lib/redis/key-slot";
import { WebSocket } from "ws";
import { signRealtimeTicket, type TicketClaims } from "../../lib/auth/tokens";
import { encodeTelemetryFrame, type PatrolMeta, type Position, type ServerFrame } from "../../lib/realtime/protocol";
import { clusterLayout, lastStatusKey, patrolChannel, patrolLastFrameKey } from "../../lib/redis/keys";
import type { Placement } from "../../lib/realtime/placement";
import type { Scope } from "../../lib/scope";
import { freePort, startRealtime, type EnvVars, type Managed } from "./stack";
import { WORKER_HEADER } from "../../realtime/worker";

/**
 * Test support for the sidecar's integration tests: a real sidecar cluster,
 * real WebSocket clients, and the same Redis writes the web tier makes.
 */

/** Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes. */
export async function waitUntil<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** A running sidecar cluster and where to reach it. */
export interface Sidecar {
  process: Managed;
  port: number;
  url: string;
  httpUrl: string;
}

/** Starts `realtime/main.ts` with REALTIME_WORKERS=2 on a free port against `redisUrl`. */
export async function startSidecar(redisUrl: string, extra: EnvVars = {}): Promise<Sidecar> {
  const port = await freePort();
  const process = await startRealtime({
    REDIS_URL: redisUrl,
    REALTIME_PORT: String(port),
    REALTIME_WORKERS: "2",
    LOG_LEVEL: "warn",
    ...extra,
  });
  return { process, port, url: `ws://127.0.0.1:${port}/live`, httpUrl: `http://127.0.0.1:${port}` };
}

/** Signs a ticket as the web tier does, for a user with `scope` (and the placement hint the web tier would add, if given). */
export async function ticketFor(scope: Scope, userId = 1, role: TicketClaims["role"] = "COMMANDER", placement?: Placement): Promise<string> {
  return (await signRealtimeTicket({ userId, role, scope, placement })).ticket;
}

/**
 * A placement hint no other socket has (a made-up zone): with scope-affine placement the primary sends it to
 * the least-loaded worker, taking turns among equals, so probing with fresh hints reaches every worker. The hint
 * only chooses the worker; what the socket may see is its scope's.
 */
let probes = 0;
export const probePlacement = (): Placement => ({ districtId: 900_000, zoneId: 900_000 + probes++ });

/** Every frame a dashboard received, with ways to wait for one and to read what the map would show. */
export class FrameRecorder {
  readonly frames: ServerFrame[] = [];
  private readonly listeners = new Set<() => void>();

  /** Records one frame as text (exactly as sent). */
  record(text: string): void {
    this.frames.push(JSON.parse(text) as ServerFrame);
    for (const l of this.listeners) l();
  }

  /** Waits for the `nth` (1-based, default first) frame matching `match`, among all received so far and later. */
  async waitFor<F extends ServerFrame>(match: (f: ServerFrame) => f is F, what: string, nth?: number, timeoutMs?: number): Promise<F>;
  async waitFor(match: (f: ServerFrame) => boolean, what: string, nth?: number, timeoutMs?: number): Promise<ServerFrame>;
  async waitFor(match: (f: ServerFrame) => boolean, what: string, nth = 1, timeoutMs = 10_000): Promise<ServerFrame> {
    const found = () => this.frames.filter(match)[nth - 1];
    const now = found();
    if (now) return now;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out waiting for ${what} (${this.frames.length} frames received)`));
      }, timeoutMs);
      const check = () => {
        const frame = found();
        if (!frame) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(frame);
      };
      this.listeners.add(check);
    });
  }

  /** Waits for the `nth` SNAPSHOT. */
  snapshot(nth = 1) {
    return this.waitFor(isSnapshot, `SNAPSHOT #${nth}`, nth);
  }

  /** Patrol ids the map would now show: the last SNAPSHOT, plus ADD_CARs, minus REMOVE_CARs since. */
  shown(): number[] {
    const ids = new Set<number>();
    for (const f of this.frames) {
      if (f.type === "SNAPSHOT") {
        ids.clear();
        for (const p of f.patrols) ids.add(p.patrolId);
      } else if (f.type === "SYSTEM_EVENT") {
        if (f.event === "ADD_CAR") ids.add(f.patrol.patrolId);
        else if (f.event === "REMOVE_CAR") ids.delete(f.patrol.patrolId);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  /** Patrol ids of every TELEMETRY frame received. */
  telemetryIds(): number[] {
    return [...new Set(this.frames.filter((f) => f.type === "TELEMETRY").map((f) => f.patrolId))].sort((a, b) => a - b);
  }
}

/** A dashboard connection that records every frame it receives. */
export class LiveClient extends FrameRecorder {
  /** Pid of the worker that accepted the socket (from the upgrade response). */
  workerPid = 0;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    super();
    ws.on("upgrade", (res) => (this.workerPid = Number(res.headers[WORKER_HEADER.toLowerCase()])));
    ws.on("message", (data, isBinary) => {
      if (isBinary) throw new Error("the sidecar sent a binary frame");
      this.record(data.toString());
    });
    this.opened = new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("error", () => undefined);
  }

  /** Opens `url?ticket=…` (with an `Origin` header when given); fails if the handshake takes over `handshakeTimeout` ms (default 5000). */
  static async connect(url: string, ticket: string | null, opts: { origin?: string; handshakeTimeout?: number } = {}): Promise<LiveClient> {
    const target = ticket === null ? url : `${url}?ticket=${encodeURIComponent(ticket)}`;
    const client = new LiveClient(new WebSocket(target, { handshakeTimeout: opts.handshakeTimeout ?? 5_000, origin: opts.origin }));
    await client.opened;
    return client;
  }

  /** Connects as a browser reconnects: on a failed or stalled handshake, tries again (up to `attempts`, default 5). */
  static async reconnect(url: string, ticket: () => Promise<string>, attempts = 5): Promise<LiveClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await LiveClient.connect(url, await ticket(), { handshakeTimeout: 1_000 });
      } catch (err) {
        if (attempt >= attempts) throw err;
      }
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

/** Type guards for frames. */
export const isSnapshot = (f: ServerFrame): f is Extract<ServerFrame, { type: "SNAPSHOT" }> => f.type === "SNAPSHOT";
export const isTelemetryOf =
  (patrolId: number, ts?: number) =>
  (f: ServerFrame): f is Extract<ServerFrame, { type: "TELEMETRY" }> =>
    f.type === "TELEMETRY" && f.patrolId === patrolId && (ts === undefined || f.ts === ts);
export const isEvent =
  (event: "ADD_CAR" | "REMOVE_CAR", patrolId: number) =>
  (f: ServerFrame): boolean =>
    f.type === "SYSTEM_EVENT" && f.event === event && f.patrol.patrolId === patrolId;

/** Connects clients of `scope` until one landed on each of `workerPids`; closes the extra ones. */
export async function connectOnEachWorker(url: string, scope: Scope, workerPids: number[], userId = 1): Promise<LiveClient[]> {
  const byWorker = new Map<number, LiveClient>();
  const tried = new Set<Placement>();
  for (let attempt = 0; byWorker.size < workerPids.length; attempt++) {
    if (attempt > 40) throw new Error(`could not reach workers ${workerPids.join(", ")} in 40 connections`);
    // A hint that last landed on a worker still missing goes there again while a socket of it is open there
    // (placement keeps a zone together); otherwise a fresh hint goes to the least-loaded worker.
    const known = workerPids.map((pid) => !byWorker.has(pid) && landedOn.get(pid)).find((h): h is Placement => !!h && !tried.has(h));
    const placement = known ?? probePlacement();
    tried.add(placement);
    const client = await LiveClient.connect(url, await ticketFor(scope, userId, "COMMANDER", placement));
    landedOn.set(client.workerPid, placement);
    if (workerPids.includes(client.workerPid) && !byWorker.has(client.workerPid)) byWorker.set(client.workerPid, client);
    else await client.close();
  }
  return workerPids.map((pid) => byWorker.get(pid)!);
}

/** The placement hint each worker (by pid) last took a probe with. */
const landedOn = new Map<number, Placement>();

/**
 * Finds the pids of the sidecar's `count` workers by connecting until each has answered once. A worker that is still
 * starting takes no sockets yet (the sidecar is healthy once one worker is), so this keeps probing for up to 20 s.
 */
export async function discoverWorkers(url: string, count = 2): Promise<number[]> {
  const pids = new Set<number>();
  const deadline = Date.now() + 20_000;
  for (let attempt = 0; pids.size < count; attempt++) {
    if (Date.now() > deadline) throw new Error(`found only ${pids.size} of ${count} workers in ${attempt} connections`);
    // A user id per probe, so probing never counts against a per-user connection limit.
    const client = await LiveClient.connect(url, await ticketFor({ level: "city", id: null }, 1_000_000 + attempt, "COMMANDER", probePlacement()));
    if (pids.has(client.workerPid)) await new Promise((r) => setTimeout(r, 50));
    pids.add(client.workerPid);
    await client.close();
  }
  return [...pids].sort((a, b) => a - b);
}

/** A patrol's meta for a station with the given chain. */
export function patrolAt(patrolId: number, chain: Pick<PatrolMeta, "stationId" | "divisionId" | "zoneId" | "districtId">): PatrolMeta {
  return { patrolId, vehicleId: patrolId + 1000, callSign: `T-${patrolId}`, ...chain, startedAt: 1_764_200_000_000 + patrolId };
}

/** What the web tier does for each accepted point: HSET the last status and PUBLISH the same bytes, in one round trip. */
export async function publishTelemetry(redis: RedisClient, prefix: string, patrolId: number, position: Position): Promise<void> {
  const frame = encodeTelemetryFrame(patrolId, position);
  if (clusterLayout) {
    // Redis Cluster: the patrol's own last-frame key and sharded channel, one slot, so one pipeline to its master.
    await redis.pipeline().set(patrolLastFrameKey(prefix, patrolId), frame).spublish(patrolChannel(prefix, patrolId), frame).exec();
    return;
  }
  await redis.pipeline().hset(lastStatusKey(prefix), String(patrolId), frame).publish(patrolChannel(prefix, patrolId), frame).exec();
}

/**
 * Subscriber counts of `channels` (PUBSUB NUMSUB). Under Redis Cluster: classic subscribers summed over every node
 * (each counts its own connections) plus sharded ones (PUBSUB SHARDNUMSUB, asked of the master serving the slot).
 */
export async function numsub(redis: RedisClient, channels: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
  const add = (reply: unknown) => {
    const flat = reply as Array<string | number>;
    for (let i = 0; i < flat.length; i += 2) out[String(flat[i])] = (out[String(flat[i])] ?? 0) + Number(flat[i + 1]);
  };
  if (!(redis instanceof Cluster)) {
    add(await redis.pubsub("NUMSUB", ...channels));
    return out;
  }
  for (const node of redis.nodes("all")) add(await node.pubsub("NUMSUB", ...channels));
  for (const channel of channels) add(await masterOf(redis, channel).pubsub("SHARDNUMSUB", channel));
  return out;
}

/**
 * Channels subscribed by one worker (the `sub=` count of its subscriber connection in CLIENT LIST). Under Redis Cluster:
 * its classic connection's `sub=` plus its sharded connections' `ssub=`, over every node.
 */
export async function workerSubscriptionCount(redis: RedisClient, workerPid: number): Promise<number | null> {
  if (!(redis instanceof Cluster)) {
    const list = (await redis.client("LIST")) as string;
    const line = list.split("\n").find((l) => l.includes(` name=sentinel-realtime-sub-${workerPid} `));
    const match = line && /\bsub=(\d+)/.exec(line);
    return match ? Number(match[1]) : null;
  }
  let total = 0;
  for (const node of redis.nodes("all")) {
    for (const line of ((await node.client("LIST")) as string).split("\n")) {
      if (line.includes(` name=sentinel-realtime-sub-${workerPid} `)) total += Number(/\bsub=(\d+)/.exec(line)?.[1] ?? 0);
      if (line.includes(` name=sentinel-realtime-ssub-${workerPid} `)) total += Number(/\bssub=(\d+)/.exec(line)?.[1] ?? 0);
    }
  }
  return total;
}

/** The master of `cluster` serving the slot of `name` now. */
function masterOf(cluster: Cluster, name: string): Redis {
  const node = cluster.slots[keySlot(name)]?.[0];
  const master = cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === node);
  if (!master) throw new Error(`no master known for the slot of ${name}`);
  return master;
}

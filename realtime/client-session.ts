import type { Logger } from "pino";
import type { TicketClaims } from "../lib/auth/tokens";
import {
  patrolView,
  type AlertFrame,
  type ControlEvent,
  type SnapshotFrame,
  type StatusEventFrame,
  type SystemEventFrame,
} from "../lib/realtime/protocol";
import { controlChannel, patrolChannel, userControlChannel } from "../lib/redis/keys";
import { formatScope, sameScope, scopeContains, type Scope } from "../lib/scope";
import { refusal, RealtimeError } from "./errors";
import { Outbox, type FrameSink, type OutboxLimits } from "./outbox";
import type { ScopeStateReader } from "./scope-state";
import type { SubscriptionRegistry } from "./subscription-registry";

/** What a session needs from its worker. */
export interface SessionContext {
  registry: SubscriptionRegistry<ClientSession>;
  state: ScopeStateReader;
  /** REDIS_PREFIX. */
  prefix: string;
  log: Logger;
}

type Job = { kind: "sync" } | { kind: "control"; event: ControlEvent };

/** The claims a session starts from: the ticket's, and when it expires (a session without one trusts its claims for good). */
export type SessionClaims = TicketClaims & { expiresAtMs?: number };

/**
 * One dashboard connection: what it may see, what it is subscribed to, and
 * the order in which things happen to it.
 *
 * Everything that changes subscriptions — the initial sync, a re-sync after a
 * Redis reconnect or an overflow, and each control event — runs as a job, one
 * at a time and in arrival order, so a control event that arrives during a
 * sync is applied after the SNAPSHOT it raced: an ADD for a patrol already in
 * the SNAPSHOT is skipped, a REMOVE is sent (the REMOVE wins). TELEMETRY that
 * arrives while a job reads Redis is held (latest per patrol) and sent right
 * after the job's SNAPSHOT or ADD_CAR, so the browser never gets a frame for a
 * patrol it does not know, nor a position older than one it already has.
 *
 * What the session may see follows the user's access as it is now, not as the
 * ticket had it: every sync first reads the user's access hash (after
 * subscribing to the user's control channel, so a change made meanwhile is
 * announced, not missed). An admin's change (ACCESS_CHANGED on that channel)
 * holds the session's frames at once and queues a sync: a new scope gets its
 * SNAPSHOT and nothing of the old one follows it; a disabled or deleted user's
 * socket is closed with 4401.
 */
export class ClientSession {
  /** Patrols the browser knows (in its SNAPSHOT or ADDed since): the only ones whose frames it gets. */
  private readonly visible = new Set<number>();
  /** Patrols whose data channel this session holds in the registry. */
  private readonly subscribed = new Set<number>();
  private readonly jobs: Job[] = [];
  private running = false;
  private syncing = false;
  /** The patrol an ADD_CAR is being prepared for (jobs run one at a time, so one at most). */
  private adding: number | null = null;
  /** TELEMETRY held while a job reads Redis, latest per patrol; made on first use (an idle socket never needs one). */
  private held: Map<number, Buffer> | null = null;
  /**
   * The stored last point an ADD_CAR went out with, until the patrol's next frame: that point may also be in flight
   * as a message (published between the subscription and the read of the last point), and must not be sent twice.
   */
  private sentWithAdd: { patrolId: number; frame: Buffer } | null = null;
  private closed = false;
  /** True once the first SNAPSHOT was written: nothing but a SNAPSHOT may come first. */
  private snapshotSent = false;
  /** Set by an access change until the sync it queued has read the new access: frames are held, not sent. */
  private accessChanging = false;
  /** What the session may see: the ticket's scope until the access plane says otherwise. */
  private scope: Scope;
  /** The scope's control channel. */
  private control: string;
  private readonly userControl: string;
  private readonly outbox: Outbox;

  constructor(
    /** Who is connected and what they may see. */
    readonly claims: SessionClaims,
    /** The socket the session writes to, through its own outbox. */
    sink: FrameSink,
    /** The outbox's limits; an overflowed outbox re-syncs the session. */
    limits: OutboxLimits,
    private readonly ctx: SessionContext,
    /** Called when the session cannot go on (Redis failed mid-sync): close the socket with this error. */
    private readonly onFatal: (err: RealtimeError) => void,
  ) {
    this.scope = claims.scope;
    this.control = controlChannel(ctx.prefix, claims.scope);
    this.userControl = userControlChannel(ctx.prefix, claims.userId);
    this.outbox = new Outbox(sink, limits, () => this.resync());
  }

  /**
   * The session's logger: every line names the user and scope. Made for each use rather than kept: a session logs a
   * few lines in its life, and a child logger kept by every idle socket costs more than making those few.
   */
  get log(): Logger {
    return this.ctx.log.child({ userId: this.claims.userId, scope: formatScope(this.scope) });
  }

  /** Runs the connect sequence: control channel, scope set, data channels, one read, SNAPSHOT. */
  start(): void {
    this.enqueue({ kind: "sync" });
  }

  /** Sends a fresh SNAPSHOT (after a Redis reconnect or an overflowed queue); coalesces with a sync already waiting. */
  resync(): void {
    if (this.jobs.at(-1)?.kind !== "sync") this.enqueue({ kind: "sync" });
  }

  /** ACCESS_CHANGED on the user's control channel: hold frames, re-read the access, then SNAPSHOT or close. */
  onAccessChanged(): void {
    this.accessChanging = true;
    this.resync();
  }

  /** A PATROL_START / PATROL_STOP / STATUS / ALERT from the scope's control channel. */
  onControl(event: ControlEvent): void {
    this.enqueue({ kind: "control", event });
  }

  /** A TELEMETRY frame from one of the session's data channels, as the exact bytes published. */
  onTelemetry(patrolId: number, frame: Buffer): void {
    if (this.sentWithAdd?.patrolId === patrolId) {
      const sent = this.sentWithAdd.frame;
      this.sentWithAdd = null;
      if (sent.equals(frame)) return;
    }
    if (this.syncing || this.accessChanging || this.adding === patrolId) (this.held ??= new Map()).set(patrolId, frame);
    else if (this.visible.has(patrolId)) this.outbox.sendTelemetry(patrolId, frame);
  }

  /** Writes what the outbox held back; call when the socket drained. */
  flush(): void {
    this.outbox.flush();
  }

  /** True when no job (sync or control event) is running or waiting. */
  get settled(): boolean {
    return !this.running && this.jobs.length === 0;
  }

  /** Sends `heartbeat` (a HEARTBEAT frame) if the socket was silent for `idleMs` — only once its SNAPSHOT went out. */
  keepalive(now: number, idleMs: number, heartbeat: Buffer | string): void {
    if (this.snapshotSent && !this.closed) this.outbox.keepalive(now, idleMs, heartbeat);
  }

  /** Bytes held for this client: the socket's buffer plus the outbox's queue. */
  get pendingBytes(): number {
    return this.outbox.pendingBytes;
  }

  /** Releases every subscription; idempotent. Call when the socket closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.jobs.length = 0;
    this.held = null;
    this.ctx.registry.releaseAll(this);
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    this.jobs.push(job);
    if (!this.running) void this.runJobs();
  }

  private async runJobs(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.jobs.shift(); job && !this.closed; job = this.jobs.shift()) {
        if (job.kind === "sync") await this.sync();
        else await this.applyControl(job.event);
      }
    } catch (err) {
      this.log.warn({ err: String(err) }, "live session failed; closing it so the browser reconnects");
      this.close();
      this.onFatal(refusal("UNAVAILABLE"));
    } finally {
      this.running = false;
    }
  }

  private async sync(): Promise<void> {
    const { registry, state, prefix } = this.ctx;
    this.syncing = true;
    try {
      // The user's channel before their access is read: a change made after the read is then announced, not lost.
      await registry.acquire(this, [this.userControl]);
      if (this.closed) return;
      this.accessChanging = false;
      const allowed = await this.currentScope();
      if (this.closed) return;
      if (allowed instanceof RealtimeError) {
        this.close();
        this.onFatal(allowed);
        return;
      }
      if (!sameScope(allowed, this.scope)) this.moveTo(allowed);
      // Control next: a start or stop that happens while we read the set is then queued, not lost.
      await registry.acquire(this, [this.control]);
      if (this.closed) return;
      const ids = await state.activePatrolIds(this.scope);
      if (this.closed) return;
      // Data channels before the read: a frame published after the read is then delivered (held), not lost.
      await registry.acquire(this, ids.map((id) => patrolChannel(prefix, id)));
      for (const id of ids) this.subscribed.add(id);
      if (this.closed) return;
      const [views, alerts] = await Promise.all([state.patrolViews(ids), state.openAlerts()]);
      const patrols = views.filter((p) => scopeContains(this.scope, p));
      if (this.closed) return;
      this.visible.clear();
      for (const p of patrols) this.visible.add(p.patrolId);
      this.releaseExcept(this.visible);
      const snapshot: SnapshotFrame = { type: "SNAPSHOT", scope: this.scope, patrols, alerts: alerts.filter((a) => scopeContains(this.scope, a)) };
      this.outbox.sendSnapshot(JSON.stringify(snapshot));
      this.snapshotSent = true;
      for (const [id, frame] of this.held ?? []) if (this.visible.has(id)) this.outbox.sendTelemetry(id, frame);
      this.log.debug({ patrols: patrols.length }, "snapshot sent");
    } finally {
      this.syncing = false;
      this.held = null;
    }
  }

  private async applyControl(event: ControlEvent): Promise<void> {
    if (event.type === "ALERT") {
      // Alerts follow the scope, not the map: an SOS of a patrol that ended meanwhile still reaches its commanders.
      if (scopeContains(this.scope, event.alert)) this.outbox.sendEvent(encodedFrame(event), "ALERT");
      return;
    }
    if (event.type === "STATUS") {
      if (this.visible.has(event.patrol.patrolId)) this.outbox.sendEvent(encodedFrame(event), "STATUS");
      return;
    }
    const id = event.patrol.patrolId;
    if (event.type === "PATROL_STOP") {
      this.release(id);
      if (!this.visible.delete(id)) return;
      this.outbox.forget(id);
      const frame: SystemEventFrame = { type: "SYSTEM_EVENT", event: "REMOVE_CAR", patrol: { patrolId: id } };
      this.outbox.sendEvent(JSON.stringify(frame), "REMOVE_CAR");
      return;
    }
    // Already in the SNAPSHOT this start raced, or stopped again before we got to it: nothing to show.
    if (this.visible.has(id) || this.stopQueued(id)) return;
    if (!scopeContains(this.scope, event.patrol)) {
      this.log.warn({ patrolId: id }, "control event outside the channel's scope dropped");
      return;
    }
    this.adding = id;
    try {
      await this.ctx.registry.acquire(this, [patrolChannel(this.ctx.prefix, id)]);
      this.subscribed.add(id);
      // A point published before the subscription took effect (a device reporting right after its start) never
      // reaches this worker as a message; the state plane has it. Read once subscribed, so nothing falls between.
      const stored = this.held?.get(id) ? null : await this.ctx.state.lastFrame(id);
      if (this.closed || this.stopQueued(id)) return;
      this.visible.add(id);
      const frame: SystemEventFrame = { type: "SYSTEM_EVENT", event: "ADD_CAR", patrol: patrolView(event.patrol, null) };
      this.outbox.sendEvent(JSON.stringify(frame), "ADD_CAR");
      const held = this.held?.get(id);
      const latest = held ?? stored;
      if (latest) this.outbox.sendTelemetry(id, latest);
      if (!held && stored) this.sentWithAdd = { patrolId: id, frame: stored };
    } finally {
      this.adding = null;
      this.held?.delete(id);
      if (this.held?.size === 0) this.held = null;
    }
  }

  /**
   * The scope the user's access allows now, or the error to close the socket with when it allows nothing.
   * No access hash (Redis lost it and has not been rebuilt, or a user deleted long ago): the ticket's claims stand
   * while it is valid — the web tier vouched for them when it issued it — and past that the socket is closed with
   * 1013, so the browser asks the web tier (PostgreSQL) for a new ticket: fail closed, not open.
   */
  private async currentScope(): Promise<Scope | RealtimeError> {
    const record = await this.ctx.state.userAccess(this.claims.userId);
    switch (record.state) {
      case "active":
        // Still the version the ticket was issued under: the ticket's scope is the user's.
        return record.access.version === (this.claims.sessionVersion ?? 0) ? this.claims.scope : record.access.scope;
      case "revoked":
        this.log.info({ reason: record.reason }, "access revoked; closing the socket");
        return refusal("ACCESS_REVOKED", record.reason);
      case "pending":
        // A change is being written; its announcement follows and syncs again.
        return this.scope;
      case "missing":
        if (this.claims.expiresAtMs === undefined || Date.now() < this.claims.expiresAtMs) return this.scope;
        this.log.warn("access hash missing and ticket expired; closing so the browser gets a new ticket");
        return refusal("UNAVAILABLE");
    }
  }

  /** Leaves the old scope's control channel and takes the new scope (the sync under way sends its SNAPSHOT). */
  private moveTo(scope: Scope): void {
    this.ctx.registry.release(this, [this.control]);
    this.log.info({ from: formatScope(this.scope), to: formatScope(scope) }, "access changed; re-scoping the socket");
    this.scope = scope;
    this.control = controlChannel(this.ctx.prefix, scope);
  }

  private stopQueued(patrolId: number): boolean {
    return this.jobs.some((j) => j.kind === "control" && j.event.type === "PATROL_STOP" && j.event.patrol.patrolId === patrolId);
  }

  private release(patrolId: number): void {
    if (!this.subscribed.delete(patrolId)) return;
    this.ctx.registry.release(this, [patrolChannel(this.ctx.prefix, patrolId)]);
  }

  private releaseExcept(keep: ReadonlySet<number>): void {
    const drop = [...this.subscribed].filter((id) => !keep.has(id));
    for (const id of drop) this.subscribed.delete(id);
    if (drop.length) this.ctx.registry.release(this, drop.map((id) => patrolChannel(this.ctx.prefix, id)));
  }
}

/**
 * The frame of a STATUS or ALERT event, encoded once per event however many sessions forward it — as a Buffer, so the
 * socket writer frames it once too (frame-writer.ts).
 */
const frames = new WeakMap<ControlEvent, Buffer>();
function encodedFrame(event: Extract<ControlEvent, { type: "STATUS" | "ALERT" }>): Buffer {
  let frame = frames.get(event);
  if (frame === undefined) {
    const value: StatusEventFrame | AlertFrame =
      event.type === "ALERT"
        ? { type: "ALERT", alert: event.alert }
        : { type: "SYSTEM_EVENT", event: "STATUS", patrolId: event.patrol.patrolId, status: event.patrol.status, at: event.at };
    frames.set(event, (frame = Buffer.from(JSON.stringify(value))));
  }
  return frame;
}

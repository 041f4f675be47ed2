import { metrics } from "./metrics";

/** The part of a socket the outbox writes to (frame-writer.ts's SocketFrameSink in the worker). */
export interface FrameSink {
  /** Bytes queued in the socket and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** Writes one text frame carrying `payload` (a Buffer shared by many sockets is framed once). */
  send(payload: Buffer | string): void;
}

/** Outbox limits: one object the worker's outboxes share. */
export interface OutboxLimits {
  /** Buffered bytes above which telemetry is conflated (REALTIME_CONFLATE_BYTES, default 64 KiB). */
  readonly conflateBytes: number;
  /** System events queued before they are dropped in favour of a fresh SNAPSHOT (REALTIME_MAX_QUEUED_EVENTS, default 1000). */
  readonly maxQueuedEvents: number;
}

/** Labels of the system frames, for the events-out counter. */
export type SystemFrameType = "SNAPSHOT" | "ADD_CAR" | "REMOVE_CAR" | "STATUS" | "ALERT";

/**
 * Everything written to one client goes through its outbox. While the socket
 * keeps up, frames go straight out. Once its buffered amount passes the
 * threshold, TELEMETRY is conflated (the latest frame per patrol wins) and
 * system frames queue in order; both are written when the socket drains,
 * system frames first. Memory per client is bounded by the threshold, one
 * frame per visible patrol and `maxQueuedEvents` system frames; past that the
 * queue is discarded and the client re-synced with a SNAPSHOT, which
 * supersedes everything queued before it.
 */
export class Outbox {
  private conflating = false;
  private events: Array<{ frame: Buffer | string; type: SystemFrameType }> = [];
  /** The conflated TELEMETRY, latest per patrol; made when a socket first falls behind (most never do). */
  private latest: Map<number, Buffer> | null = null;
  private queuedBytes = 0;
  /** When the last frame was handed to the socket (epoch ms), for the keepalive. */
  private lastWriteAt = Date.now();

  constructor(
    private readonly sink: FrameSink,
    private readonly limits: OutboxLimits,
    /** Called when queued events overflowed and were discarded: the client needs a fresh SNAPSHOT. */
    private readonly onOverflow: () => void,
  ) {}

  /** Sends one TELEMETRY frame (bytes as published), or keeps it as the patrol's latest while the socket is behind. */
  sendTelemetry(patrolId: number, frame: Buffer): void {
    if (!this.conflating && this.sink.bufferedAmount <= this.limits.conflateBytes) {
      this.write(frame);
      metrics.framesOut.inc();
      return;
    }
    this.conflating = true;
    this.latest ??= new Map();
    const replaced = this.latest.get(patrolId);
    if (replaced) {
      this.queuedBytes -= replaced.length;
      metrics.framesConflated.inc();
    }
    this.latest.set(patrolId, frame);
    this.queuedBytes += frame.length;
  }

  /** Sends a SYSTEM_EVENT frame; while the socket is behind it is queued, never dropped. */
  sendEvent(frame: Buffer | string, type: SystemFrameType): void {
    if (!this.conflating && this.sink.bufferedAmount <= this.limits.conflateBytes) {
      this.write(frame);
      metrics.eventsOut.inc({ type });
      return;
    }
    this.conflating = true;
    this.events.push({ frame, type });
    this.queuedBytes += frame.length;
    if (this.events.length > this.limits.maxQueuedEvents) {
      this.discardQueue();
      this.onOverflow();
    }
  }

  /** Sends a SNAPSHOT, which supersedes every frame still queued. */
  sendSnapshot(frame: string): void {
    this.discardQueue();
    this.sendEvent(frame, "SNAPSHOT");
  }

  /** Drops the queued TELEMETRY of a removed patrol, so nothing of it follows its REMOVE_CAR. */
  forget(patrolId: number): void {
    const dropped = this.latest?.get(patrolId);
    if (!dropped) return;
    this.queuedBytes -= dropped.length;
    this.latest?.delete(patrolId);
  }

  /** Writes everything queued (system frames first, in order); call when the socket drained. */
  flush(): void {
    if (!this.conflating) return;
    const events = this.events;
    this.events = [];
    for (const { frame, type } of events) {
      this.write(frame);
      metrics.eventsOut.inc({ type });
    }
    const latest = this.latest;
    this.latest = null;
    for (const frame of latest?.values() ?? []) {
      this.write(frame);
      metrics.framesOut.inc();
    }
    this.queuedBytes = 0;
    this.conflating = this.sink.bufferedAmount > this.limits.conflateBytes;
  }

  /**
   * Sends `heartbeat` (a HEARTBEAT frame, `encodeHeartbeatFrame(now)`) when nothing was written for `idleMs` (and
   * nothing is queued: a socket that is behind is not silent, and its queue goes first). True when it was sent.
   */
  keepalive(now: number, idleMs: number, heartbeat: Buffer | string): boolean {
    if (this.conflating || now - this.lastWriteAt < idleMs) return false;
    this.write(heartbeat);
    metrics.heartbeatsOut.inc();
    return true;
  }

  /** Bytes held for this client: the socket's buffer plus the conflation queue. */
  get pendingBytes(): number {
    return this.sink.bufferedAmount + this.queuedBytes;
  }

  private discardQueue(): void {
    this.events = [];
    this.latest = null;
    this.queuedBytes = 0;
  }

  private write(frame: Buffer | string): void {
    this.sink.send(frame);
    this.lastWriteAt = Date.now();
  }
}

import { createStore } from "zustand/vanilla";
import type { AlertView, PatrolView, Position, ServerFrame } from "@/lib/realtime/protocol";
import type { Scope } from "@/lib/scope";

/** Connection state shown in the badge. */
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "offline";

/** Freshness of a vehicle's last position, computed on the client from `ts`. */
export type Freshness = "live" | "stale" | "offline";

/** No position for this long: stale (amber). */
export const STALE_AFTER_MS = 30_000;
/** No position for this long: offline (grey). */
export const OFFLINE_AFTER_MS = 120_000;

/**
 * The clock vehicles age by. While the dashboard hears the server it is `now`; while its own connection is down it
 * stands still at the last frame it heard (`lastFrameAt`): a vehicle must not turn stale because the dashboard,
 * not the vehicle, went quiet. Once the feed is back, the snapshot brings the positions sent meanwhile.
 */
export function ageingClock(status: ConnectionStatus, lastFrameAt: number | null, now: number): number {
  return status === "live" || lastFrameAt === null ? now : Math.min(now, lastFrameAt);
}

/** Freshness of a patrol at `now` (a patrol that never reported counts as offline). */
export function freshnessOf(last: Position | null, now: number): Freshness {
  if (!last) return "offline";
  const age = now - last.ts;
  if (age >= OFFLINE_AFTER_MS) return "offline";
  if (age >= STALE_AFTER_MS) return "stale";
  return "live";
}

export interface FleetState {
  status: ConnectionStatus;
  /** When the dashboard last heard the server (any frame, heartbeats too), as of the last status change; null: never. */
  lastFrameAt: number | null;
  /** The last outage once it ended: how long nothing was heard, and when the feed came back (epoch ms). */
  lastGap: { ms: number; endedAt: number } | null;
  scope: Scope | null;
  /** Active patrols by id; replaced (not mutated) on every applied batch. */
  patrols: ReadonlyMap<number, PatrolView>;
  /** Open and acknowledged alerts in scope by id; replaced only when an alert changes (subscribe by identity). */
  alerts: ReadonlyMap<number, AlertView>;
  /** Bumped on every applied batch, so subscribers can skip work cheaply. */
  version: number;
  /** Frames applied since the page loaded (for diagnostics and tests). */
  framesApplied: number;
  /** The connection's state and when it last heard a frame (the badge shows it, the ageing clock stops at it). */
  setStatus(status: ConnectionStatus, lastFrameAt: number | null): void;
  /** The feed is back after `ms` of silence. */
  noteGap(ms: number): void;
  /**
   * Applies frames in arrival order: SNAPSHOT replaces, TELEMETRY updates, ADD_CAR/REMOVE_CAR add and remove,
   * STATUS sets a duty status, ALERT upserts an alert (a RESOLVED one leaves).
   */
  applyFrames(frames: ServerFrame[]): void;
}

/** What `reduceFrames` folds: the store's patrols, scope and alerts. */
export interface FleetData {
  patrols: ReadonlyMap<number, PatrolView>;
  scope: Scope | null;
  alerts: ReadonlyMap<number, AlertView>;
}

/**
 * Applies one batch of frames to copies of the maps. Pure, for the store and its tests. `alerts` keeps its
 * identity when no frame of the batch touches an alert, so an alerts view re-renders only when one changed.
 */
export function reduceFrames(data: FleetData, frames: ServerFrame[]): FleetData {
  let next = new Map(data.patrols);
  let nextScope = data.scope;
  let alerts = data.alerts;
  const editAlerts = () => (alerts === data.alerts ? (alerts = new Map(alerts)) : alerts) as Map<number, AlertView>;
  for (const frame of frames) {
    switch (frame.type) {
      case "SNAPSHOT":
        next = new Map(frame.patrols.map((p) => [p.patrolId, p]));
        nextScope = frame.scope;
        alerts = new Map((frame.alerts ?? []).filter((a) => a.state !== "RESOLVED").map((a) => [a.alertId, a]));
        break;
      case "TELEMETRY": {
        const current = next.get(frame.patrolId);
        // Telemetry for a patrol we do not know (yet) is dropped: ADD_CAR always precedes it.
        if (current && (!current.last || frame.ts >= current.last.ts)) {
          const { type: _type, patrolId: _id, ...position } = frame;
          next.set(frame.patrolId, { ...current, last: position });
        }
        break;
      }
      case "SYSTEM_EVENT":
        if (frame.event === "ADD_CAR") {
          next.set(frame.patrol.patrolId, { ...frame.patrol, status: frame.patrol.status ?? "AVAILABLE", last: next.get(frame.patrol.patrolId)?.last ?? frame.patrol.last });
        } else if (frame.event === "STATUS") {
          const current = next.get(frame.patrolId);
          if (current) next.set(frame.patrolId, { ...current, status: frame.status });
        } else next.delete(frame.patrol.patrolId);
        break;
      case "ALERT": {
        const current = alerts.get(frame.alert.alertId);
        // A change older than the one shown (frames of one alert cross two channels' paths only on a re-sync) is stale.
        if (current && frame.alert.updatedAt < current.updatedAt) break;
        if (frame.alert.state === "RESOLVED") {
          if (current) editAlerts().delete(frame.alert.alertId);
        } else editAlerts().set(frame.alert.alertId, frame.alert);
        break;
      }
    }
  }
  return { patrols: next, scope: nextScope, alerts };
}

/** Alerts oldest first (the order a control room works them in). */
export function alertsInOrder(alerts: ReadonlyMap<number, AlertView>): AlertView[] {
  return [...alerts.values()].sort((a, b) => a.at - b.at || a.alertId - b.alertId);
}

/** Creates the fleet store (one per map page). */
export function createFleetStore() {
  return createStore<FleetState>()((set, get) => ({
    status: "connecting",
    lastFrameAt: null,
    lastGap: null,
    scope: null,
    patrols: new Map(),
    alerts: new Map(),
    version: 0,
    framesApplied: 0,
    setStatus: (status, lastFrameAt) => set({ status, lastFrameAt }),
    noteGap: (ms) => set({ lastGap: { ms, endedAt: Date.now() } }),
    applyFrames: (frames) => {
      if (frames.length === 0) return;
      const { patrols, scope, alerts, version, framesApplied } = get();
      set({ ...reduceFrames({ patrols, scope, alerts }, frames), version: version + 1, framesApplied: framesApplied + frames.length });
    },
  }));
}

export type FleetStore = ReturnType<typeof createFleetStore>;

/**
 * Collects frames as they arrive and hands them to `apply` at most once per
 * animation frame (or every 250 ms when the tab is hidden and animation
 * frames stop), so 1,000 vehicles reporting every second cost ~60 renders a
 * second, not 1,000.
 */
export class FrameBatcher {
  private queue: ServerFrame[] = [];
  private scheduled = false;

  constructor(private readonly apply: (frames: ServerFrame[]) => void) {}

  push(frame: ServerFrame): void {
    // A snapshot makes everything queued before it irrelevant.
    if (frame.type === "SNAPSHOT") this.queue = [];
    this.queue.push(frame);
    if (this.scheduled) return;
    this.scheduled = true;
    let done = false;
    const flush = () => {
      if (done) return;
      done = true;
      this.scheduled = false;
      const frames = this.queue;
      this.queue = [];
      this.apply(frames);
    };
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(flush);
    setTimeout(flush, 250);
  }
}

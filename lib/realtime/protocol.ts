import type { Scope } from "../scope";

/**
 * Message shapes shared by the web tier, the realtime sidecar and the browser
 * (docs/ARCHITECTURE.md §4). Control-plane events travel web → sidecar over Redis; frames
 * travel sidecar → browser over WebSocket.
 */

/** A patrol's duty status (DESIGN §10): AVAILABLE at start. */
export const UNIT_STATUSES = ["AVAILABLE", "EN_ROUTE", "ON_SCENE", "BUSY"] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

/** True for one of `UNIT_STATUSES`. */
export function isUnitStatus(value: unknown): value is UnitStatus {
  return typeof value === "string" && (UNIT_STATUSES as readonly string[]).includes(value);
}

/** Alert kinds and lifecycle states (DESIGN §10). */
export const ALERT_KINDS = ["SOS", "OVERSPEED", "LEFT_JURISDICTION", "SILENT"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_STATES = ["OPEN", "ACKNOWLEDGED", "RESOLVED"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** An alert as dashboards and `GET /api/alerts` see it. */
export interface AlertView {
  alertId: number;
  kind: AlertKind;
  state: AlertState;
  patrolId: number;
  vehicleId: number;
  callSign: string;
  stationId: number;
  divisionId: number;
  zoneId: number;
  districtId: number;
  /** When it was raised, epoch ms. */
  at: number;
  lat: number | null;
  lon: number | null;
  /** Kind-specific facts, e.g. `{speedKmh, limitKmh}`, `{stationId, stationName}`, `{silentSeconds}`. */
  detail: Record<string, unknown> | null;
  /** Who made the last change (ack or resolve): a user's name or e-mail, or "system"; null while OPEN. */
  by: string | null;
  /** Last change, epoch ms (= `at` while OPEN). */
  updatedAt: number;
}

/** A patrol as denormalised into `patrol:{id}:meta` and sent to dashboards. */
export interface PatrolMeta {
  patrolId: number;
  vehicleId: number;
  callSign: string;
  stationId: number;
  divisionId: number;
  zoneId: number;
  districtId: number;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Duty status; absent in events of older writers, which means AVAILABLE. */
  status?: UnitStatus;
}

/** The position part of a TELEMETRY frame, as kept in `patrol:last_status`. */
export interface Position {
  lat: number;
  lon: number;
  /** Epoch milliseconds. */
  ts: number;
  /** m/s, when the device reports it. */
  speed?: number;
  /** Degrees in [0, 360), when the device reports it. */
  heading?: number;
  /** Metres, when the device reports it. */
  accuracy?: number;
  /** Battery level in percent (0–100), when the device reports it (phones over the OsmAnd protocol, §11). */
  battery?: number;
}

export interface TelemetryFrame extends Position {
  type: "TELEMETRY";
  patrolId: number;
}

/** A patrol in a SNAPSHOT or ADD_CAR: its meta, duty status and last known position. */
export interface PatrolView extends PatrolMeta {
  status: UnitStatus;
  last: Position | null;
}

/** A patrol as sent in SNAPSHOT and ADD_CAR: exactly the meta fields plus `last`, in contract order (control events may carry more). */
export function patrolView(meta: PatrolMeta, last: Position | null): PatrolView {
  return {
    patrolId: meta.patrolId,
    vehicleId: meta.vehicleId,
    callSign: meta.callSign,
    stationId: meta.stationId,
    divisionId: meta.divisionId,
    zoneId: meta.zoneId,
    districtId: meta.districtId,
    startedAt: meta.startedAt,
    status: meta.status ?? "AVAILABLE",
    last,
  };
}

export interface SnapshotFrame {
  type: "SNAPSHOT";
  scope: Scope;
  patrols: PatrolView[];
  /** Open and acknowledged alerts in scope, oldest first. */
  alerts: AlertView[];
}

/** A duty-status change, to every dashboard covering the patrol. */
export interface StatusEventFrame {
  type: "SYSTEM_EVENT";
  event: "STATUS";
  patrolId: number;
  status: UnitStatus;
  /** Epoch ms. */
  at: number;
}

export type SystemEventFrame =
  | { type: "SYSTEM_EVENT"; event: "ADD_CAR"; patrol: PatrolView }
  | { type: "SYSTEM_EVENT"; event: "REMOVE_CAR"; patrol: { patrolId: number } }
  | StatusEventFrame;

/** An alert raised or changed, to every dashboard covering its patrol. */
export interface AlertFrame {
  type: "ALERT";
  alert: AlertView;
}

/**
 * Keepalive: sent to a socket that has had nothing written for REALTIME_KEEPALIVE_MS (default 2 s), so a browser
 * hears from a healthy connection at least every few seconds and can tell a dead one by its silence (a TCP
 * connection that died without a close is otherwise invisible for minutes). `at`: the server's epoch ms.
 */
export interface HeartbeatFrame {
  type: "HEARTBEAT";
  at: number;
}

/** The bytes of a HEARTBEAT frame: encoded once per keepalive tick, written to every quiet socket. */
export function encodeHeartbeatFrame(at: number): string {
  const frame: HeartbeatFrame = { type: "HEARTBEAT", at };
  return JSON.stringify(frame);
}

/** Every frame a dashboard can receive. */
export type ServerFrame = SnapshotFrame | TelemetryFrame | SystemEventFrame | AlertFrame | HeartbeatFrame;

/**
 * Control-plane event published on the `control:*` channels of every unit above a patrol: its start and stop,
 * a duty-status change (`patrol` carries the chain and the new status, `at` when) and an alert raised or changed.
 */
export type ControlEvent =
  | { type: "PATROL_START"; patrol: PatrolMeta }
  | { type: "PATROL_STOP"; patrol: PatrolMeta }
  | { type: "STATUS"; patrol: PatrolMeta & { status: UnitStatus }; at: number }
  | { type: "ALERT"; alert: AlertView };

/**
 * Encodes a TELEMETRY frame once, as the bytes that are stored, published and
 * forwarded unchanged. Optional fields are omitted when absent.
 */
export function encodeTelemetryFrame(patrolId: number, p: Position): string {
  const frame: TelemetryFrame = { type: "TELEMETRY", patrolId, lat: p.lat, lon: p.lon, ts: p.ts };
  if (p.speed !== undefined) frame.speed = p.speed;
  if (p.heading !== undefined) frame.heading = p.heading;
  if (p.accuracy !== undefined) frame.accuracy = p.accuracy;
  if (p.battery !== undefined) frame.battery = p.battery;
  return JSON.stringify(frame);
}

/** Reads the position out of a stored TELEMETRY frame; null if it is not one. */
export function positionOfFrame(raw: string | Buffer | null | undefined): Position | null {
  if (raw == null) return null;
  try {
    const f = JSON.parse(raw.toString()) as Partial<TelemetryFrame>;
    if (f.type !== "TELEMETRY" || typeof f.lat !== "number" || typeof f.lon !== "number" || typeof f.ts !== "number") {
      return null;
    }
    const p: Position = { lat: f.lat, lon: f.lon, ts: f.ts };
    if (typeof f.speed === "number") p.speed = f.speed;
    if (typeof f.heading === "number") p.heading = f.heading;
    if (typeof f.accuracy === "number") p.accuracy = f.accuracy;
    if (typeof f.battery === "number") p.battery = f.battery;
    return p;
  } catch {
    return null;
  }
}

/** Fields of `patrol:{id}:meta`, as strings for HSET. */
export function metaToHash(meta: PatrolMeta): Record<string, string> {
  return {
    vehicleId: String(meta.vehicleId),
    callSign: meta.callSign,
    stationId: String(meta.stationId),
    divisionId: String(meta.divisionId),
    zoneId: String(meta.zoneId),
    districtId: String(meta.districtId),
    startedAt: String(meta.startedAt),
    status: meta.status ?? "AVAILABLE",
  };
}

/** Parses `patrol:{id}:meta` back; null when the hash is missing or incomplete. */
export function metaFromHash(patrolId: number, h: Record<string, string> | null | undefined): PatrolMeta | null {
  if (!h || h.vehicleId === undefined || h.callSign === undefined) return null;
  const n = (v: string | undefined) => Number(v);
  const meta: PatrolMeta = {
    patrolId,
    vehicleId: n(h.vehicleId),
    callSign: h.callSign,
    stationId: n(h.stationId),
    divisionId: n(h.divisionId),
    zoneId: n(h.zoneId),
    districtId: n(h.districtId),
    startedAt: n(h.startedAt),
    status: isUnitStatus(h.status) ? h.status : "AVAILABLE",
  };
  const numbers = [meta.vehicleId, meta.stationId, meta.divisionId, meta.zoneId, meta.districtId, meta.startedAt];
  return numbers.every(Number.isFinite) ? meta : null;
}

/** True when `p` carries every meta field with the right type. */
function isPatrolMeta(p: Partial<PatrolMeta> | undefined): p is PatrolMeta {
  return (
    typeof p?.callSign === "string" &&
    [p.patrolId, p.vehicleId, p.stationId, p.divisionId, p.zoneId, p.districtId, p.startedAt].every(
      (n) => typeof n === "number" && Number.isFinite(n),
    )
  );
}

/** True when `a` carries every field an AlertView needs to be routed and shown. */
function isAlertView(a: Partial<AlertView> | undefined): a is AlertView {
  return (
    typeof a?.kind === "string" &&
    (ALERT_KINDS as readonly string[]).includes(a.kind) &&
    typeof a.state === "string" &&
    (ALERT_STATES as readonly string[]).includes(a.state) &&
    typeof a.callSign === "string" &&
    [a.alertId, a.patrolId, a.vehicleId, a.stationId, a.divisionId, a.zoneId, a.districtId, a.at, a.updatedAt].every(
      (n) => typeof n === "number" && Number.isFinite(n),
    )
  );
}

/** Parses a control-plane message; null (to be logged and dropped) when malformed. */
export function parseControlEvent(raw: string | Buffer): ControlEvent | null {
  try {
    const e = JSON.parse(raw.toString()) as { type?: string; patrol?: Partial<PatrolMeta>; alert?: Partial<AlertView>; at?: unknown };
    if ((e.type === "PATROL_START" || e.type === "PATROL_STOP") && isPatrolMeta(e.patrol)) return e as ControlEvent;
    if (e.type === "STATUS" && isPatrolMeta(e.patrol) && isUnitStatus(e.patrol.status) && typeof e.at === "number") return e as ControlEvent;
    if (e.type === "ALERT" && isAlertView(e.alert)) return e as ControlEvent;
    return null;
  } catch {
    return null;
  }
}

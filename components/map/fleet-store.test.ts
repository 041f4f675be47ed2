import { describe, expect, it } from "vitest";
import type { AlertView, PatrolView, ServerFrame } from "@/lib/realtime/protocol";
import { alertsInOrder, freshnessOf, reduceFrames, type FleetData } from "./fleet-store";

const patrol = (patrolId: number, last: PatrolView["last"] = null): PatrolView => ({
  patrolId,
  vehicleId: patrolId * 10,
  callSign: `KDV-${patrolId}`,
  stationId: 5,
  divisionId: 2,
  zoneId: 3,
  districtId: 1,
  startedAt: 1,
  status: "AVAILABLE",
  last,
});

const alert = (alertId: number, change: Partial<AlertView> = {}): AlertView => ({
  alertId,
  kind: "SOS",
  state: "OPEN",
  patrolId: 1,
  vehicleId: 10,
  callSign: "KDV-1",
  stationId: 5,
  divisionId: 2,
  zoneId: 3,
  districtId: 1,
  at: 1000 + alertId,
  lat: 9.97,
  lon: 76.29,
  detail: null,
  by: null,
  updatedAt: 1000 + alertId,
  ...change,
});

const empty: FleetData = { patrols: new Map(), scope: null, alerts: new Map() };
const withPatrols = (...patrols: PatrolView[]): FleetData => ({ ...empty, patrols: new Map(patrols.map((p) => [p.patrolId, p])) });
const snapshot = (patrols: PatrolView[], alerts: AlertView[] = []): ServerFrame => ({ type: "SNAPSHOT", scope: { level: "zone", id: 3 }, patrols, alerts });

describe("reduceFrames", () => {
  it("replaces on SNAPSHOT, updates on TELEMETRY, adds and removes on system events", () => {
    const frames: ServerFrame[] = [
      snapshot([patrol(1), patrol(2)]),
      { type: "TELEMETRY", patrolId: 1, lat: 9.97, lon: 76.29, ts: 1000, speed: 8 },
      { type: "SYSTEM_EVENT", event: "ADD_CAR", patrol: patrol(3) },
      { type: "SYSTEM_EVENT", event: "REMOVE_CAR", patrol: { patrolId: 2 } },
    ];
    const { patrols, scope } = reduceFrames(withPatrols(patrol(9)), frames);
    expect([...patrols.keys()].sort()).toEqual([1, 3]);
    expect(patrols.get(1)?.last).toEqual({ lat: 9.97, lon: 76.29, ts: 1000, speed: 8 });
    expect(scope).toEqual({ level: "zone", id: 3 });
  });

  it("keeps the battery a phone reports with each position, from the feed and from an auto-started patrol's ADD_CAR", () => {
    const { patrols } = reduceFrames(withPatrols(patrol(1)), [
      { type: "TELEMETRY", patrolId: 1, lat: 9.97, lon: 76.29, ts: 1000, battery: 62 },
      { type: "SYSTEM_EVENT", event: "ADD_CAR", patrol: patrol(4, { lat: 9.96, lon: 76.3, ts: 1000, battery: 12 }) },
      { type: "TELEMETRY", patrolId: 1, lat: 9.98, lon: 76.29, ts: 2000, battery: 61 },
    ]);
    expect(patrols.get(1)?.last?.battery).toBe(61);
    expect(patrols.get(4)?.last?.battery).toBe(12);
  });

  it("never moves a marker backwards in time and ignores telemetry of unknown patrols", () => {
    const { patrols } = reduceFrames(withPatrols(patrol(1, { lat: 1, lon: 1, ts: 2000 })), [
      { type: "TELEMETRY", patrolId: 1, lat: 5, lon: 5, ts: 1000 },
      { type: "TELEMETRY", patrolId: 7, lat: 5, lon: 5, ts: 3000 },
    ]);
    expect(patrols.get(1)?.last?.lat).toBe(1);
    expect(patrols.has(7)).toBe(false);
  });

  it("does not mutate the previous maps", () => {
    const before = withPatrols(patrol(1));
    reduceFrames(before, [{ type: "SYSTEM_EVENT", event: "REMOVE_CAR", patrol: { patrolId: 1 } }, { type: "ALERT", alert: alert(1) }]);
    expect(before.patrols.has(1)).toBe(true);
    expect(before.alerts.size).toBe(0);
  });
});

describe("reduceFrames: duty status", () => {
  it("takes the status from SNAPSHOT and ADD_CAR and changes it on STATUS, keeping the position", () => {
    const { patrols } = reduceFrames(empty, [
      snapshot([{ ...patrol(1, { lat: 1, lon: 2, ts: 5 }), status: "BUSY" }]),
      { type: "SYSTEM_EVENT", event: "ADD_CAR", patrol: { ...patrol(2), status: "ON_SCENE" } },
      { type: "SYSTEM_EVENT", event: "STATUS", patrolId: 1, status: "EN_ROUTE", at: 10 },
    ]);
    expect(patrols.get(1)?.status).toBe("EN_ROUTE");
    expect(patrols.get(1)?.last).toEqual({ lat: 1, lon: 2, ts: 5 });
    expect(patrols.get(2)?.status).toBe("ON_SCENE");
  });

  it("ignores a STATUS of a patrol it does not hold", () => {
    const { patrols } = reduceFrames(withPatrols(patrol(1)), [{ type: "SYSTEM_EVENT", event: "STATUS", patrolId: 8, status: "BUSY", at: 10 }]);
    expect([...patrols.keys()]).toEqual([1]);
  });
});

describe("reduceFrames: alerts", () => {
  it("replaces the alerts on SNAPSHOT", () => {
    const start = { ...empty, alerts: new Map([[9, alert(9)]]) };
    const { alerts } = reduceFrames(start, [snapshot([], [alert(1), alert(2, { state: "ACKNOWLEDGED", by: "Chief" })])]);
    expect([...alerts.keys()]).toEqual([1, 2]);
    expect(alerts.get(2)?.by).toBe("Chief");
  });

  it("upserts by alert id: raised OPEN, then ACKNOWLEDGED, then gone when RESOLVED", () => {
    let data = reduceFrames(empty, [{ type: "ALERT", alert: alert(1) }, { type: "ALERT", alert: alert(2, { kind: "OVERSPEED" }) }]);
    expect(alertsInOrder(data.alerts).map((a) => [a.alertId, a.state])).toEqual([
      [1, "OPEN"],
      [2, "OPEN"],
    ]);
    data = reduceFrames(data, [{ type: "ALERT", alert: alert(1, { state: "ACKNOWLEDGED", by: "Station Commander", updatedAt: 5000 }) }]);
    expect(data.alerts.get(1)).toMatchObject({ state: "ACKNOWLEDGED", by: "Station Commander" });
    expect(data.alerts.size).toBe(2);
    data = reduceFrames(data, [{ type: "ALERT", alert: alert(1, { state: "RESOLVED", by: "Administrator", updatedAt: 6000 }) }]);
    expect([...data.alerts.keys()]).toEqual([2]);
  });

  it("keeps a newer state over a stale frame, and ignores the resolution of an alert it never held", () => {
    const start = reduceFrames(empty, [{ type: "ALERT", alert: alert(1, { state: "ACKNOWLEDGED", updatedAt: 5000 }) }]);
    const after = reduceFrames(start, [
      { type: "ALERT", alert: alert(1, { state: "OPEN", updatedAt: 1001 }) },
      { type: "ALERT", alert: alert(3, { state: "RESOLVED" }) },
    ]);
    expect(after.alerts.get(1)?.state).toBe("ACKNOWLEDGED");
    expect(after.alerts.has(3)).toBe(false);
  });

  it("keeps the alerts map's identity when a batch touches no alert", () => {
    const start = reduceFrames(withPatrols(patrol(1)), [{ type: "ALERT", alert: alert(1) }]);
    const after = reduceFrames(start, [{ type: "TELEMETRY", patrolId: 1, lat: 1, lon: 1, ts: 10 }]);
    expect(after.alerts).toBe(start.alerts);
  });

  it("keeps an alert whose patrol has ended", () => {
    const { alerts, patrols } = reduceFrames(withPatrols(patrol(1)), [
      { type: "ALERT", alert: alert(1) },
      { type: "SYSTEM_EVENT", event: "REMOVE_CAR", patrol: { patrolId: 1 } },
    ]);
    expect(patrols.size).toBe(0);
    expect(alerts.get(1)?.state).toBe("OPEN");
  });
});

describe("alertsInOrder", () => {
  it("lists the oldest first", () => {
    const alerts = new Map([alert(3, { at: 50 }), alert(1, { at: 70 }), alert(2, { at: 50 })].map((a) => [a.alertId, a]));
    expect(alertsInOrder(alerts).map((a) => a.alertId)).toEqual([2, 3, 1]);
  });
});

describe("freshnessOf", () => {
  it("is live under 30 s, stale from 30 s, offline from 120 s or without a position", () => {
    const now = 1_000_000;
    expect(freshnessOf({ lat: 0, lon: 0, ts: now - 29_999 }, now)).toBe("live");
    expect(freshnessOf({ lat: 0, lon: 0, ts: now - 30_000 }, now)).toBe("stale");
    expect(freshnessOf({ lat: 0, lon: 0, ts: now - 120_000 }, now)).toBe("offline");
    expect(freshnessOf(null, now)).toBe("offline");
  });
});

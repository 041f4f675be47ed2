import { afterEach, describe, expect, it, vi } from "vitest";
import { seededRandom } from "@/lib/seed/tree";
import { ControlRoom, DUTY_DWELL_S, happens, nextDutyChange, type ControlRoomPatrol, type DutyStatus } from "./control-room";
import type { FleetAnswer, FleetRequest } from "./fleet";

const HOUR_MS = 3_600_000;

describe("the duty status schedule", () => {
  it("cycles AVAILABLE → EN_ROUTE → ON_SCENE → BUSY → AVAILABLE, a job every hour or so of an 8-hour shift", () => {
    const random = seededRandom(3);
    let jobs = 0;
    let changes = 0;
    const shifts = 500;
    for (let v = 0; v < shifts; v++) {
      let status: DutyStatus = "AVAILABLE";
      let change = nextDutyChange(status, 0, random);
      while (change.at < 8 * HOUR_MS) {
        const order = ["AVAILABLE", "EN_ROUTE", "ON_SCENE", "BUSY"];
        expect(order.indexOf(change.status)).toBe((order.indexOf(status) + 1) % 4);
        if (change.status === "EN_ROUTE") jobs++;
        changes++;
        status = change.status;
        const next = nextDutyChange(status, change.at, random);
        expect(next.at - change.at).toBeGreaterThanOrEqual(30_000);
        change = next;
      }
    }
    const cycleMin = Object.values(DUTY_DWELL_S).reduce((a, b) => a + b, 0) / 60;
    expect(cycleMin).toBeCloseTo(71, 0);
    // About 8 h / 71 min ≈ 6.8 jobs a shift; low enough that a 200-car map changes ~3 statuses a minute.
    expect(jobs / shifts).toBeGreaterThan(5.5);
    expect(jobs / shifts).toBeLessThan(8);
    expect(changes / shifts / 8).toBeLessThan(4);
  });

  it("happens() fires at the rate asked, and never at rate 0", () => {
    const random = seededRandom(9);
    let fired = 0;
    // 0.2 per vehicle-hour, checked every 5 s for 1,000 vehicle-hours: about 200.
    for (let i = 0; i < 1_000 * 720; i++) if (happens(0.2, 5, random)) fired++;
    expect(fired).toBeGreaterThan(160);
    expect(fired).toBeLessThan(240);
    for (let i = 0; i < 10_000; i++) expect(happens(0, 5, random)).toBe(false);
  });
});

describe("ControlRoom", () => {
  afterEach(() => vi.useRealTimers());

  function patrol(patrolId: number, next: { status: DutyStatus; at: number }): ControlRoomPatrol {
    return { patrolId, callSign: `KDV-0${patrolId}`, token: `t${patrolId}`, drive: { lat: 9.9667, lon: 76.2997, parkedUntil: 0 }, duty: "AVAILABLE", next };
  }

  /** A server answering each path with `answer(path)`, recording what was asked. */
  function server(answer: (path: string) => FleetAnswer) {
    const calls: { path: string; body: unknown; auth: string | undefined }[] = [];
    const request: FleetRequest = async (_method, path, body, headers) => {
      calls.push({ path, body, auth: headers?.authorization });
      return answer(path);
    };
    return { calls, request };
  }

  it("posts each due status change with the vehicle's token, and parks a vehicle on scene until its next change", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { calls, request } = server((path) => ({ status: path.endsWith("/status") ? 200 : 201, body: { alertId: 5 } }));
    const due = patrol(1, { status: "ON_SCENE", at: 1_000_500 });
    const later = patrol(2, { status: "EN_ROUTE", at: 1_000_000 + HOUR_MS });
    const lines: string[] = [];
    const room = new ControlRoom(request, [due, later], seededRandom(1), { say: (l) => lines.push(l) });
    room.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual([{ path: "/api/patrols/1/status", body: { status: "ON_SCENE" }, auth: "Bearer t1" }]);
    expect(due.duty).toBe("ON_SCENE");
    expect(due.next.status).toBe("BUSY");
    expect(due.drive.parkedUntil).toBe(due.next.at);
    expect(room.statusChanges).toBe(1);
    await room.stop();
    expect(lines).toEqual([]);
  });

  it("presses SOS every --sos-every minutes with the vehicle's position", async () => {
    vi.useFakeTimers({ now: 0 });
    const { calls, request } = server(() => ({ status: 201, body: { alertId: 42 } }));
    const lines: string[] = [];
    const room = new ControlRoom(request, [patrol(7, { status: "EN_ROUTE", at: HOUR_MS })], seededRandom(1), { sosEveryMin: 2, say: (l) => lines.push(l) });
    room.start();
    await vi.advanceTimersByTimeAsync(119_000);
    expect(calls.filter((c) => c.path.endsWith("/sos"))).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.filter((c) => c.path.endsWith("/sos"))).toEqual([{ path: "/api/patrols/7/sos", body: { lat: 9.9667, lon: 76.2997 }, auth: "Bearer t7" }]);
    expect(lines).toEqual(["SOS pressed by KDV-07 at 9.9667, 76.2997 (alert 42)."]);
    await room.stop();
  });

  it("on a server without the routes (404, no JSON error), says so once and switches that part off", async () => {
    vi.useFakeTimers({ now: 0 });
    const { calls, request } = server(() => ({ status: 404, body: "<html>This page could not be found.</html>" }));
    const lines: string[] = [];
    const patrols = [1, 2, 3].map((id) => patrol(id, { status: "EN_ROUTE", at: id * 1_000 }));
    const room = new ControlRoom(request, patrols, seededRandom(1), { sosEveryMin: 1, say: (l) => lines.push(l) });
    room.start();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(lines).toEqual([
      "This server has no POST /api/patrols/{id}/status (404): duty statuses are off for this run.",
      "This server has no POST /api/patrols/{id}/sos (404): SOS presses are off for this run.",
    ]);
    expect(calls.filter((c) => c.path.endsWith("/status"))).toHaveLength(1);
    expect(calls.filter((c) => c.path.endsWith("/sos"))).toHaveLength(1);
    expect(room.failed).toBe(0);
    await room.stop();
  });

  it("counts a refusal (a JSON 404 or 409) as a failure and carries on", async () => {
    vi.useFakeTimers({ now: 0 });
    const { calls, request } = server((path) =>
      path.includes("/1/")
        ? { status: 404, body: { error: { code: "NOT_FOUND", message: "No patrol with id 1." } } }
        : { status: 200, body: {} },
    );
    const room = new ControlRoom(request, [patrol(1, { status: "EN_ROUTE", at: 0 }), patrol(2, { status: "EN_ROUTE", at: 0 })], seededRandom(1), { say: () => {} });
    room.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    expect(room.failed).toBe(1);
    expect(room.statusChanges).toBe(1);
    expect(room.lastFailure).toBe("status of KDV-01: 404 No patrol with id 1.");
    await room.stop();
  });
});

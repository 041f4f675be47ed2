import { describe, expect, it } from "vitest";
import { seededRandom } from "../lib/seed/tree";
import { ANY, Placer, SLACK, SPILL_FLOOR, targetOfTicket, type PlacementTarget } from "./placement";

/** A JWT-shaped ticket with this payload (unsigned: placement never verifies, the worker does). */
const ticketWith = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.sig`;

const zone = (id: number): PlacementTarget => ({ key: `zone:${id}`, group: null });

function placer(workers: number): Placer {
  const p = new Placer();
  for (let id = 1; id <= workers; id++) p.add(id);
  return p;
}

describe("targetOfTicket", () => {
  it("places a station, division or zone dashboard by its zone, and district- and city-wide ones together", () => {
    expect(targetOfTicket(ticketWith({ scope: { level: "station", id: 301 }, pl: { d: 3, z: 12 } }))).toEqual({ key: "zone:12", group: null });
    expect(targetOfTicket(ticketWith({ scope: { level: "zone", id: 12 }, pl: { d: 3, z: 12 } }))).toEqual({ key: "zone:12", group: null });
    expect(targetOfTicket(ticketWith({ scope: { level: "district", id: 3 }, pl: { d: 3 } }))).toEqual({ key: "district:3", group: "wide" });
    expect(targetOfTicket(ticketWith({ scope: { level: "city", id: null } }))).toEqual({ key: "city", group: "wide" });
  });

  it("places a ticket without a hint by its scope, and anything unreadable anywhere", () => {
    expect(targetOfTicket(ticketWith({ scope: { level: "division", id: 40 } }))).toEqual({ key: "division:40", group: null });
    for (const bad of [null, "", "not-a-jwt", "a.%%%.c", ticketWith({ scope: { level: "moon", id: 1 } }), ticketWith({ pl: { d: 1 } })]) {
      expect(targetOfTicket(bad), String(bad)).toEqual(ANY);
    }
  });
});

describe("Placer", () => {
  it("sends the sockets of one zone to one worker and new zones to the least-loaded worker, in turn among equals", () => {
    const p = placer(3);
    const first = [p.place(zone(1)), p.place(zone(2)), p.place(zone(3))];
    expect(new Set(first).size).toBe(3);
    for (let i = 0; i < 10; i++) expect(p.place(zone(2))).toBe(first[1]);
    // Zone 2's worker is the busiest now: a fourth zone goes to one of the others.
    expect([first[0], first[2]]).toContain(p.place(zone(4)));
  });

  it("spills a hot zone onto other workers once its worker holds more than the average plus SLACK", () => {
    const p = placer(4);
    const total = 2_000;
    for (let i = 0; i < total; i++) p.place(zone(7));
    const loads = [...p.loads().values()];
    expect(loads.reduce((a, b) => a + b, 0)).toBe(total);
    expect(Math.max(...loads)).toBeLessThanOrEqual(Math.max(SPILL_FLOOR, Math.ceil((total / 4) * (1 + SLACK))));
    expect(loads.every((n) => n > 0)).toBe(true);
  });

  it("keeps a small zone on one worker (below SPILL_FLOOR nothing spills) and forgets sockets as they close", () => {
    const p = placer(2);
    const worker = p.place(zone(1))!;
    for (let i = 1; i < SPILL_FLOOR; i++) expect(p.place(zone(1))).toBe(worker);
    for (let i = 0; i < SPILL_FLOOR; i++) p.release(worker, zone(1));
    expect(p.loads().get(worker)).toBe(0);
    // An unknown socket's release changes nothing.
    p.release(worker, zone(99));
    expect([...p.loads().values()]).toEqual([0, 0]);
  });

  it("forgets a dead worker's sockets and places its zones on the living; a respawned worker takes new sockets", () => {
    const p = placer(2);
    const a = p.place(zone(1))!;
    p.place(zone(2));
    p.remove(a);
    expect(p.place(zone(1))).not.toBe(a);
    expect([...p.loads().keys()]).not.toContain(a);
    p.add(3);
    expect(p.place(zone(5))).toBe(3);
  });

  it("deals requests without a ticket (health checks, scrapes) out in turn without counting them", () => {
    const p = placer(2);
    expect([p.place(ANY), p.place(ANY), p.place(ANY), p.place(ANY)].sort()).toEqual([1, 1, 2, 2]);
    expect([...p.loads().values()]).toEqual([0, 0]);
  });

  it("answers null while no worker is ready", () => {
    expect(new Placer().place(zone(1))).toBeNull();
  });

  it("at city scale (10,000 dashboards, the issue's mix, arriving in random order, 8 workers) stays balanced and sends each point to far fewer workers than all", () => {
    const runs = [1, 2, 3, 14, 99].map(cityScaleRun);
    for (const { loads, receivers } of runs) {
      expect(Math.max(...loads), `loads ${loads.join("/")}`).toBeLessThanOrEqual(Math.ceil(1_250 * (1 + SLACK)));
      expect(Math.min(...loads), `loads ${loads.join("/")}`).toBeGreaterThan(1_250 * 0.6);
      // Round-robin placement would make every point go to all 8 workers.
      expect(receivers).toBeLessThan(3.5);
    }
    expect(runs.reduce((a, r) => a + r.receivers, 0) / runs.length).toBeLessThan(2.75);
  });
});

/**
 * Places the bench's audience (4 districts × 5 zones × 6 divisions × 5 stations; station s is in division s/5, zone
 * s/30, district s/150) in an order shuffled by `seed`, and returns the workers' loads and the mean number of workers
 * that receive a point of a station.
 */
function cityScaleRun(seed: number): { loads: number[]; receivers: number } {
  const random = seededRandom(seed);
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  type Dash = { target: PlacementTarget; stations: number[] };
  const dashboards: Dash[] = [];
  const add = (n: number, make: (i: number) => Dash) => {
    for (let i = 0; i < n; i++) dashboards.push(make(i));
  };
  add(7_000, (i) => {
    const s = Math.floor((i * 600) / 7_000);
    return { target: zone(Math.floor(s / 30)), stations: [s] };
  });
  add(2_000, (i) => {
    const v = Math.floor((i * 120) / 2_000);
    return { target: zone(Math.floor(v / 6)), stations: range(v * 5, 5) };
  });
  add(800, (i) => {
    const z = Math.floor((i * 20) / 800);
    return { target: zone(z), stations: range(z * 30, 30) };
  });
  add(100, (i) => {
    const d = Math.floor((i * 4) / 100);
    return { target: { key: `district:${d}`, group: "wide" }, stations: range(d * 150, 150) };
  });
  add(100, () => ({ target: { key: "city", group: "wide" }, stations: range(0, 600) }));
  for (let i = dashboards.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [dashboards[i], dashboards[j]] = [dashboards[j]!, dashboards[i]!];
  }
  const p = placer(8);
  const receiving = Array.from({ length: 600 }, () => new Set<number>());
  for (const d of dashboards) {
    const worker = p.place(d.target)!;
    for (const s of d.stations) receiving[s]!.add(worker);
  }
  return { loads: [...p.loads().values()], receivers: receiving.reduce((a, set) => a + set.size, 0) / 600 };
}

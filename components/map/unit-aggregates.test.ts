import { describe, expect, it } from "vitest";
import { DUTY } from "./control-room-format";
import {
  AGGREGATE_MAX_ZOOM,
  AGGREGATE_MIN_UNITS,
  aggregateLabel,
  CLUSTER_RADIUS_PX,
  clusterStations,
  dutyRing,
  emptyTally,
  sameTally,
  showsAggregates,
  type AggregateTally,
} from "./unit-aggregates";

const tally = (duty: Partial<AggregateTally["duty"]>, sos = 0): AggregateTally => {
  const t = emptyTally();
  Object.assign(t.duty, duty);
  t.units = Object.values(t.duty).reduce((a, b) => a + b, 0);
  t.sos = sos;
  return t;
};

describe("showsAggregates", () => {
  it("aggregates a large fleet at city zoom and gives every unit its marker from street level or for a small fleet", () => {
    expect(showsAggregates(11, 5_000)).toBe(true);
    expect(showsAggregates(AGGREGATE_MAX_ZOOM, AGGREGATE_MIN_UNITS + 1)).toBe(true);
    expect(showsAggregates(AGGREGATE_MAX_ZOOM + 1, 5_000)).toBe(false);
    expect(showsAggregates(11, AGGREGATE_MIN_UNITS)).toBe(false);
  });
});

describe("clusterStations", () => {
  it("puts stations that would overlap on screen in one cluster and stations apart in their own", () => {
    const { members, clusterOf } = clusterStations([
      { id: 1, x: 0, y: 0 },
      { id: 2, x: 20, y: 10 },
      { id: 3, x: 500, y: 500 },
      { id: 4, x: 0, y: CLUSTER_RADIUS_PX + 1 },
    ]);
    expect(members).toEqual([[0, 1], [2], [3]]);
    expect([...clusterOf]).toEqual([0, 0, 1, 2]);
  });

  it("places every station in exactly one cluster, none wider than the radius around its seed, the same way every time", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const stations = Array.from({ length: 2_000 }, (_, id) => ({ id, x: random() * 800, y: random() * 500 }));
    const { members, clusterOf } = clusterStations(stations);
    expect(members.flat().sort((a, b) => a - b)).toEqual(stations.map((_, i) => i));
    members.forEach((m, c) => {
      const origin = stations[m[0]!]!;
      for (const i of m) {
        expect(clusterOf[i]).toBe(c);
        expect(Math.hypot(stations[i]!.x - origin.x, stations[i]!.y - origin.y)).toBeLessThanOrEqual(CLUSTER_RADIUS_PX);
      }
    });
    // Crowded: far fewer aggregates than stations, and the same ones on a second run.
    expect(members.length).toBeLessThan(stations.length / 4);
    expect(clusterStations(stations).members).toEqual(members);
  });
});

describe("an aggregate's tally", () => {
  it("draws one arc per duty status present, sized by its share, in the duty badges' colours", () => {
    expect(dutyRing(tally({ AVAILABLE: 3, BUSY: 1 }))).toBe(`conic-gradient(${DUTY.AVAILABLE.color} 0% 75%, ${DUTY.BUSY.color} 75% 100%)`);
    expect(dutyRing(emptyTally())).toBe("transparent");
  });

  it("says how many units, where, their statuses and any SOS", () => {
    expect(aggregateLabel(tally({ AVAILABLE: 30, EN_ROUTE: 6, ON_SCENE: 3, BUSY: 3 }, 1), { name: "Station 0005", others: 3 })).toBe(
      "42 patrols at Station 0005 and 3 nearby stations: 30 available, 6 en route, 3 on scene, 3 busy. 1 SOS. Zoom in.",
    );
    expect(aggregateLabel(tally({ EN_ROUTE: 1 }), { name: "Kadavanthra", others: 0 })).toBe("1 patrol at Kadavanthra: 1 en route. Zoom in.");
  });

  it("compares by every count", () => {
    expect(sameTally(tally({ AVAILABLE: 2 }), tally({ AVAILABLE: 2 }))).toBe(true);
    expect(sameTally(tally({ AVAILABLE: 2 }), tally({ AVAILABLE: 1, BUSY: 1 }))).toBe(false);
    expect(sameTally(tally({ AVAILABLE: 2 }), tally({ AVAILABLE: 2 }, 1))).toBe(false);
  });
});

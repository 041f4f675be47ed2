import { describe, expect, it } from "vitest";
import { UNIT_STATUSES } from "@/lib/realtime/protocol";
import { alertDetail, batteryReading, boundaryRings, DUTY, formatDistance, formatDuration } from "./control-room-format";

describe("DUTY", () => {
  it("gives every status its own letter and colour", () => {
    expect(new Set(UNIT_STATUSES.map((s) => DUTY[s].letter)).size).toBe(UNIT_STATUSES.length);
    expect(new Set(UNIT_STATUSES.map((s) => DUTY[s].color)).size).toBe(UNIT_STATUSES.length);
  });
});

describe("formatDuration", () => {
  it("says a gap the way people do", () => {
    expect(formatDuration(12_400)).toBe("12 s");
    expect(formatDuration(185_000)).toBe("3 min 5 s");
    expect(formatDuration(120_000)).toBe("2 min");
    expect(formatDuration(7_440_000)).toBe("2 h 4 min");
  });
});

describe("formatDistance", () => {
  it("says metres under a kilometre, then kilometres", () => {
    expect(formatDistance(0)).toBe("0 m");
    expect(formatDistance(849.6)).toBe("850 m");
    expect(formatDistance(1234)).toBe("1.2 km");
    expect(formatDistance(12_400)).toBe("12 km");
  });
});

describe("alertDetail", () => {
  it("names the facts of each kind, and nothing it does not know", () => {
    expect(alertDetail({ kind: "OVERSPEED", detail: { speedKmh: 112.4, limitKmh: 100 } })).toBe("112 km/h (limit 100)");
    expect(alertDetail({ kind: "LEFT_JURISDICTION", detail: { stationId: 5, stationName: "Kadavanthra" } })).toBe("outside Kadavanthra");
    expect(alertDetail({ kind: "SILENT", detail: { silentSeconds: 125 } })).toBe("no position for 2 min");
    expect(alertDetail({ kind: "SILENT", detail: { silentSeconds: "x" } })).toBe("");
    expect(alertDetail({ kind: "OVERSPEED", detail: null })).toBe("");
  });
});

describe("boundaryRings", () => {
  const square = { type: "Polygon", coordinates: [[[76.29, 9.96], [76.3, 9.96], [76.3, 9.97], [76.29, 9.96]]] };

  it("turns GeoJSON [lon, lat] into Leaflet [lat, lon]", () => {
    expect(boundaryRings(square)).toEqual([[[9.96, 76.29], [9.96, 76.3], [9.97, 76.3], [9.96, 76.29]]]);
  });

  it("draws nothing for a missing or malformed boundary", () => {
    expect(boundaryRings(null)).toBeNull();
    expect(boundaryRings({ type: "Point", coordinates: [76, 9] })).toBeNull();
    expect(boundaryRings({ type: "Polygon", coordinates: [[[76.29, 9.96], [76.3, 9.96]]] })).toBeNull();
    expect(boundaryRings({ type: "Polygon", coordinates: [[[76.29, "9.96"], [76.3, 9.96], [76.3, 9.97], [76.29, 9.96]]] })).toBeNull();
  });
});

describe("batteryReading", () => {
  it("says the charge in whole percent, and calls it low below 15 %", () => {
    expect(batteryReading(62)).toEqual({ percent: 62, low: false, text: "Battery 62 %" });
    expect(batteryReading(15)).toEqual({ percent: 15, low: false, text: "Battery 15 %" });
    expect(batteryReading(12)).toEqual({ percent: 12, low: true, text: "Low battery 12 %" });
    expect(batteryReading(14.4)).toEqual({ percent: 14, low: true, text: "Low battery 14 %" });
    expect(batteryReading(0)).toEqual({ percent: 0, low: true, text: "Low battery 0 %" });
  });

  it("keeps a reading within 0–100 % and shows nothing when the device reports none", () => {
    expect(batteryReading(100.4)?.text).toBe("Battery 100 %");
    expect(batteryReading(-3)?.text).toBe("Low battery 0 %");
    expect(batteryReading(undefined)).toBeNull();
    expect(batteryReading(Number.NaN)).toBeNull();
  });
});

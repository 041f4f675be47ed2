import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { KNOTS_TO_MS, parseOsmandFields, parseOsmandJson, parseOsmandTimestamp } from "./schema";

const NOW = Date.parse("2026-11-30T12:00:00Z");
const problem = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof AppError ? `${err.status} ${err.message}` : String(err);
  }
  return "accepted";
};

describe("parseOsmandTimestamp", () => {
  it("reads unix seconds, milliseconds, decimal seconds, ISO 8601 and yyyy-MM-dd HH:mm:ss as UTC", () => {
    const t = Date.parse("2026-11-30T10:00:00Z");
    expect(parseOsmandTimestamp(String(t / 1000), "timestamp", NOW)).toBe(t);
    expect(parseOsmandTimestamp(String(t), "timestamp", NOW)).toBe(t);
    expect(parseOsmandTimestamp(`${t / 1000}.25`, "timestamp", NOW)).toBe(t + 250);
    expect(parseOsmandTimestamp("2026-11-30T10:00:00Z", "timestamp", NOW)).toBe(t);
    expect(parseOsmandTimestamp("2026-11-30T15:30:00+05:30", "timestamp", NOW)).toBe(t);
    expect(parseOsmandTimestamp("2026-11-30 10:00:00", "timestamp", NOW)).toBe(t);
    expect(parseOsmandTimestamp("2026-11-30T10:00:00.500", "timestamp", NOW)).toBe(t + 500);
  });

  it("refuses what is not a time, a clock before 2000, and the future", () => {
    expect(problem(() => parseOsmandTimestamp("yesterday", "timestamp", NOW))).toMatch(/400 .*timestamp must be unix seconds/);
    expect(problem(() => parseOsmandTimestamp("30/11/2026", "timestamp", NOW))).toMatch(/400/);
    expect(problem(() => parseOsmandTimestamp("12", "timestamp", NOW))).toMatch(/after 2000-01-01/);
    expect(problem(() => parseOsmandTimestamp(String(NOW + 3_600_000), "timestamp", NOW))).toMatch(/in the future \(2026-11-30T13:00:00.000Z\)/);
    // Past the last date JavaScript can write (found by the fuzz suite: it was a 500).
    expect(problem(() => parseOsmandTimestamp("99999999999999999", "timestamp", NOW))).toMatch(/400 .*in the future; check/);
  });
});

describe("parseOsmandFields", () => {
  it("converts knots to m/s, reads bearing or heading, batt, location=, deviceid, alarm=sos", () => {
    const r = parseOsmandFields({ deviceid: "x", location: " 9.97 , 76.29 ", speed: "10", heading: "360", batt: "55.5", alarm: "SOS", hdop: "3" }, NOW);
    expect(r).toEqual({ deviceId: "x", sos: true, points: [{ lat: 9.97, lon: 76.29, speed: 10 * KNOTS_TO_MS, heading: 0, battery: 55.5 }] });
    expect(parseOsmandFields({ id: "y", lat: "-1.5", lon: "2", bearing: "90", alarm: "general" }, NOW)).toEqual({ deviceId: "y", sos: false, points: [{ lat: -1.5, lon: 2, heading: 90 }] });
  });

  it("names the missing or bad field", () => {
    expect(problem(() => parseOsmandFields({ lat: "1", lon: "2" }, NOW))).toMatch(/id is missing/);
    expect(problem(() => parseOsmandFields({ id: "x", lat: "1" }, NOW))).toMatch(/lon is missing/);
    expect(problem(() => parseOsmandFields({ id: "x" }, NOW))).toMatch(/lat is missing: send lat and lon, or location/);
    expect(problem(() => parseOsmandFields({ id: "x", lat: "1e999", lon: "2" }, NOW))).toMatch(/lat must be between/);
    expect(problem(() => parseOsmandFields({ id: "x", lat: "1", lon: "2", bearing: "400" }, NOW))).toMatch(/bearing must be between 0 and 360/);
    expect(problem(() => parseOsmandFields({ id: "x", lat: "1", lon: "2", accuracy: "-1" }, NOW))).toMatch(/accuracy must be between 0/);
    expect(problem(() => parseOsmandFields({ id: "x".repeat(200), lat: "1", lon: "2" }, NOW))).toMatch(/400 .*id/);
  });
});

describe("parseOsmandJson", () => {
  const loc = (extra: object = {}) => ({ timestamp: "2026-11-30T10:00:00.000Z", coords: { latitude: 9.97, longitude: 76.29, speed: 5, heading: 10, accuracy: 3, altitude: 2 }, ...extra });

  it("keeps m/s, turns the battery fraction into %, leaves out -1 (unknown) values, sorts several locations by time", () => {
    const r = parseOsmandJson({ device_id: "d", location: loc({ battery: { level: 0.456, is_charging: true } }) }, NOW);
    expect(r.points).toEqual([{ lat: 9.97, lon: 76.29, ts: Date.parse("2026-11-30T10:00:00Z"), speed: 5, heading: 10, accuracy: 3, altitude: 2, battery: 46 }]);
    const unknown = parseOsmandJson({ device_id: "d", location: loc({ coords: { latitude: 1, longitude: 2, speed: -1, heading: -1 }, battery: { level: -1 } }) }, NOW);
    expect(unknown.points).toEqual([{ lat: 1, lon: 2, ts: Date.parse("2026-11-30T10:00:00Z") }]);
    const many = parseOsmandJson({ device_id: "d", location: [loc({ timestamp: "2026-11-30T10:00:05Z" }), loc()] }, NOW);
    expect(many.points.map((p) => p.ts)).toEqual([Date.parse("2026-11-30T10:00:00Z"), Date.parse("2026-11-30T10:00:05Z")]);
    expect(parseOsmandJson({ device_id: "d", location: loc({ event: "sos" }) }, NOW).sos).toBe(true);
    expect(parseOsmandJson({ device_id: "d", alarm: "sos", location: loc() }, NOW).sos).toBe(true);
    expect(parseOsmandJson({ device_id: "d", location: loc({ event: "motionchange" }) }, NOW).sos).toBe(false);
  });

  it("names the bad field, in an array by its index", () => {
    expect(problem(() => parseOsmandJson({ location: loc() }, NOW))).toMatch(/device_id/);
    expect(problem(() => parseOsmandJson({ device_id: "d", location: { timestamp: "2026-11-30T10:00:00Z" } }, NOW))).toMatch(/location\.coords/);
    expect(problem(() => parseOsmandJson({ device_id: "d", location: [loc(), loc({ coords: { latitude: 99, longitude: 1 } })] }, NOW))).toMatch(/location\.1\.coords\.latitude must be between -90 and 90/);
    expect(problem(() => parseOsmandJson({ device_id: "d", location: [] }, NOW))).toMatch(/400 .*location/);
    expect(problem(() => parseOsmandJson({ device_id: "d", location: loc({ battery: { level: 5 } }) }, NOW))).toMatch(/battery\.level must be between 0 and 1/);
    expect(problem(() => parseOsmandJson(null, NOW))).toMatch(/400/);
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prisma } from "@/lib/db";
import { KNOTS_TO_MS } from "@/lib/osmand/schema";
import type { ServerFrame, TelemetryFrame } from "@/lib/realtime/protocol";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { readLastFrame } from "@/lib/patrols/read-patrols";
import { baseUrl, call, DEMO, login, type UserClient } from "@/test/support/http";
import { LiveClient, startSidecar, ticketFor, waitUntil, type Sidecar } from "@/test/support/sidecar";
import { freePort, startHistory } from "@/test/support/stack";
import { TEST_SECRETS } from "@/test/support/secrets";
import { tableScans } from "@/test/support/table-scans";

/**
 * Phones as units (DESIGN §11) end to end: requests in the exact formats OsmAnd and Traccar Client send go through
 * the suite's web server to a dashboard of this file's own sidecar. The fixtures follow the senders' sources:
 *
 * - OsmAnd (Android/iOS), Plugins → Trip recording → Online tracking: the web address is a template whose
 *   placeholders OsmAnd fills — `{0}` lat, `{1}` lon, `{2}` timestamp (unix ms), `{3}` hdop, `{4}` altitude,
 *   `{5}` speed, `{6}` bearing (osmand.net/docs/user/plugins/trip-recording, "Online tracking"); sent as a GET.
 * - Traccar Client for Android up to 8.x (traccar-client-android, `ProtocolFormatter.formatRequest`): the server URL
 *   plus query parameters `id, timestamp (unix s), lat, lon, speed (knots), bearing, altitude, accuracy, batt`
 *   (and `charge`, `alarm=sos` for the SOS button), sent as a POST with an empty body.
 * - Traccar Client 9+ (Flutter, on the transistorsoft background-geolocation plugin): a POST with
 *   `Content-Type: application/json` and the plugin's location object `{location:{timestamp, coords:{latitude,
 *   longitude, accuracy, speed (m/s, -1 unknown), heading (-1 unknown), altitude, …}, is_moving, odometer, event,
 *   battery:{level (0–1), is_charging}, activity, extras}, device_id}` (traccar-client `lib/...` and the plugin's
 *   Location schema; Traccar's own server reads it in `OsmAndProtocolDecoder.decodeJson`).
 * - GPS units speaking OsmAnd over HTTP forms: `application/x-www-form-urlencoded` with `deviceid`, `location=lat,lon`,
 *   `timestamp` as `yyyy-MM-dd HH:mm:ss` (UTC) and `heading` (Traccar's decoder accepts each of these names).
 */

let redis: RedisClient;
let sidecar: Sidecar;
let admin: UserClient;
let city: LiveClient;
/** Vehicles of this file: made for it, at a seeded station, with a device id each. */
const phones: { id: number; callSign: string; homeStationId: number; deviceId: string }[] = [];

async function makePhone(label: string): Promise<(typeof phones)[number]> {
  const station = await prisma.station.findFirstOrThrow({ orderBy: { id: "asc" } });
  const suffix = `${label}-${process.pid}-${phones.length}`;
  const made = await call("/api/admin/vehicles", {
    client: admin,
    body: { callSign: `E2E-OSM-${suffix}`.slice(0, 32), registration: `KL-OSM-${suffix}`.slice(0, 32), homeStationId: station.id },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const issued = await call(`/api/admin/vehicles/${made.body.id}/device-id`, { method: "POST", client: admin });
  expect(issued.status, JSON.stringify(issued.body)).toBe(200);
  const phone = { id: made.body.id as number, callSign: made.body.callSign as string, homeStationId: station.id, deviceId: issued.body.deviceId as string };
  phones.push(phone);
  return phone;
}

/** Sends an OsmAnd request: GET with a query, or POST with a query and/or a body of `type`. */
async function osmand(opts: { method?: "GET" | "POST"; query?: Record<string, string | number>; body?: string; type?: string }) {
  const qs = opts.query ? `?${new URLSearchParams(Object.entries(opts.query).map(([k, v]) => [k, String(v)]))}` : "";
  const res = await fetch(`${baseUrl()}/api/osmand${qs}`, {
    method: opts.method ?? "GET",
    headers: opts.type ? { "content-type": opts.type } : {},
    body: opts.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as { error: { code: string; message: string } }) : null };
}

const activePatrolOf = async (vehicleId: number) =>
  (await prisma.patrol.findFirst({ where: { vehicleId, status: "ACTIVE" }, select: { id: true, autoStarted: true } })) ?? null;

const lastFrame = async (patrolId: number) => JSON.parse(String(await readLastFrame(redis, "", patrolId))) as TelemetryFrame;

const telemetryOf = (patrolId: number) => (f: ServerFrame) => f.type === "TELEMETRY" && f.patrolId === patrolId;
const addCarOf = (vehicleId: number) => (f: ServerFrame) => f.type === "SYSTEM_EVENT" && f.event === "ADD_CAR" && f.patrol.vehicleId === vehicleId;
const removeCarOf = (patrolId: number) => (f: ServerFrame) => f.type === "SYSTEM_EVENT" && f.event === "REMOVE_CAR" && f.patrol.patrolId === patrolId;

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  admin = await login(DEMO.admin);
  sidecar = await startSidecar(inject("redisUrl"), { ...TEST_SECRETS, DATABASE_URL: inject("databaseUrl") });
  city = await LiveClient.connect(sidecar.url, await ticketFor({ level: "city", id: null }, 9301));
  await city.snapshot();
}, 60_000);

afterAll(async () => {
  for (const phone of phones) {
    const active = await activePatrolOf(phone.id);
    if (active) await call(`/api/patrols/${active.id}/stop`, { method: "POST", client: admin });
    await call(`/api/admin/vehicles/${phone.id}`, { method: "PATCH", client: admin, body: { enabled: false } });
  }
  await city?.close();
  await sidecar?.process.stop();
  redis.disconnect();
});

describe("device ids", () => {
  it("are issued by an admin only, shown once, stored hashed, audited, and replace the previous one", async () => {
    const phone = await makePhone("ids");
    expect(phone.deviceId).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){7}$/);
    const row = await prisma.vehicle.findUniqueOrThrow({ where: { id: phone.id } });
    expect(row.deviceIdHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(phone.deviceId.replace(/-/g, ""));
    const listed = await call("/api/admin/vehicles", { client: admin });
    const item = (listed.body.items as { id: number; deviceIdIssuedAt: number | null }[]).find((v) => v.id === phone.id);
    expect(item?.deviceIdIssuedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.stringify(listed.body)).not.toContain("deviceIdHash");
    expect(await prisma.auditEvent.count({ where: { action: "vehicle.device_id", target: `vehicle:${phone.id}` } })).toBe(1);

    const commander = await login(DEMO.station);
    expect((await call(`/api/admin/vehicles/${phone.id}/device-id`, { method: "POST", client: commander })).status).toBe(403);
    expect((await call("/api/admin/vehicles/999999/device-id", { method: "POST", client: admin })).status).toBe(404);

    // The first id works; a new one replaces it: the old one is unknown from the next point, the new one continues the patrol.
    expect((await osmand({ query: { id: phone.deviceId, lat: 9.97, lon: 76.29 } })).status).toBe(200);
    const patrol = await activePatrolOf(phone.id);
    const renewed = await call(`/api/admin/vehicles/${phone.id}/device-id`, { method: "POST", client: admin });
    expect(renewed.headers.get("cache-control")).toBe("no-store");
    const old = await osmand({ query: { id: phone.deviceId, lat: 9.971, lon: 76.291 } });
    expect(old.status).toBe(404);
    expect(old.body?.error.message).toMatch(/Unknown device id/);
    expect((await osmand({ query: { id: renewed.body.deviceId as string, lat: 9.972, lon: 76.292 } })).status).toBe(200);
    expect((await activePatrolOf(phone.id))?.id).toBe(patrol?.id);
    // Case, spaces and dashes do not matter (a person typed it into the phone).
    expect((await osmand({ query: { id: (renewed.body.deviceId as string).toUpperCase().replace(/-/g, " "), lat: 9.973, lon: 76.293 } })).status).toBe(200);
    phone.deviceId = renewed.body.deviceId as string;
  });
});

describe("GET|POST /api/osmand", () => {
  it("takes Traccar Client's query-string POST: the first point starts a patrol (ADD_CAR), speed arrives in m/s, battery in %", async () => {
    const phone = await makePhone("traccar8");
    const ts = Math.floor(Date.now() / 1000) - 5;
    city.frames.length = 0;
    // As traccar-client-android 8 sends it: parameters on the URL, POST, no body.
    const res = await osmand({
      method: "POST",
      query: { id: phone.deviceId, timestamp: ts, lat: 9.9816, lon: 76.2999, speed: 19.4, bearing: 271.5, altitude: 12.3, accuracy: 8.0, batt: 87.0, charge: "false" },
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    const patrol = await activePatrolOf(phone.id);
    expect(patrol?.autoStarted).toBe(true);
    const added = await city.waitFor(addCarOf(phone.id), "ADD_CAR of the phone's patrol");
    expect(added.type === "SYSTEM_EVENT" && added.event === "ADD_CAR" && added.patrol).toMatchObject({
      patrolId: patrol!.id,
      callSign: phone.callSign,
      stationId: phone.homeStationId,
    });
    const frame = (await city.waitFor(telemetryOf(patrol!.id), "the phone's TELEMETRY")) as TelemetryFrame;
    expect(frame).toMatchObject({ lat: 9.9816, lon: 76.2999, ts: ts * 1000, heading: 271.5, accuracy: 8, battery: 87 });
    expect(frame.speed).toBeCloseTo(19.4 * KNOTS_TO_MS, 6);
    expect(frame.speed).toBeCloseTo(9.98, 2);
  });

  it("takes OsmAnd's online-tracking GET (timestamp in ms, hdop ignored)", async () => {
    const phone = await makePhone("osmand");
    const ts = Date.now() - 2_000;
    // OsmAnd's template: ?id=…&lat={0}&lon={1}&timestamp={2}&hdop={3}&altitude={4}&speed={5}&bearing={6}
    const res = await osmand({ query: { id: phone.deviceId, lat: 9.9601, lon: 76.2702, timestamp: ts, hdop: 4.5, altitude: 3, speed: 0, bearing: 0 } });
    expect(res.status).toBe(200);
    const patrol = await activePatrolOf(phone.id);
    expect(await lastFrame(patrol!.id)).toEqual({ type: "TELEMETRY", patrolId: patrol!.id, lat: 9.9601, lon: 76.2702, ts, speed: 0, heading: 0 });
  });

  it("takes Traccar Client 9's JSON: m/s as sent, -1 (unknown) speed and heading left out, battery level as %, several locations in order", async () => {
    const phone = await makePhone("traccar9");
    const t0 = Date.now() - 10_000;
    const location = (ts: number, lat: number, extra: object = {}) => ({
      timestamp: new Date(ts).toISOString(),
      coords: { latitude: lat, longitude: 76.2805, accuracy: 4.9, speed: 7.25, heading: 93.4, altitude: 11.2, ellipsoidal_altitude: 11.2, altitude_accuracy: 3, heading_accuracy: 10, speed_accuracy: 1 },
      is_moving: true,
      uuid: `3f1c${ts}`,
      odometer: 1532.7,
      event: "motionchange",
      activity: { type: "in_vehicle", confidence: 100 },
      battery: { level: 0.12, is_charging: false },
      extras: {},
      ...extra,
    });
    const one = { location: location(t0, 9.9701, { coords: { latitude: 9.9701, longitude: 76.2805, accuracy: 4.9, speed: -1, heading: -1, altitude: 11.2 } }), device_id: phone.deviceId };
    const res = await osmand({ method: "POST", type: "application/json", body: JSON.stringify(one) });
    expect(res.status).toBe(200);
    const patrol = await activePatrolOf(phone.id);
    expect(await lastFrame(patrol!.id)).toEqual({ type: "TELEMETRY", patrolId: patrol!.id, lat: 9.9701, lon: 76.2805, ts: t0, accuracy: 4.9, battery: 12 });

    // A phone emptying its buffer: an array, newest last on the map.
    const batch = { device_id: phone.deviceId, location: [location(t0 + 3_000, 9.9703), location(t0 + 2_000, 9.9702)] };
    expect((await osmand({ method: "POST", type: "application/json; charset=utf-8", body: JSON.stringify(batch) })).status).toBe(200);
    expect(await lastFrame(patrol!.id)).toMatchObject({ lat: 9.9703, ts: t0 + 3_000, speed: 7.25, heading: 93.4 });
  });

  it("reads every timestamp format, and location=lat,lon from a GPS unit's form body", async () => {
    const phone = await makePhone("formats");
    const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const plain = (ms: number) => iso(ms).slice(0, 19).replace("T", " ");
    const cases: [string, string, number][] = [
      ["unix seconds", String((base + 1_000) / 1000), base + 1_000],
      ["unix milliseconds", String(base + 2_000), base + 2_000],
      ["ISO 8601 (Z)", iso(base + 3_000), base + 3_000],
      ["ISO 8601 (offset)", `${plain(base + 4_000 + 5.5 * 3_600_000).replace(" ", "T")}+05:30`, base + 4_000],
      ["yyyy-MM-dd HH:mm:ss (UTC)", plain(base + 5_000), base + 5_000],
    ];
    let patrolId = 0;
    for (const [name, timestamp, expected] of cases) {
      const res = await osmand({ query: { id: phone.deviceId, lat: 9.95, lon: 76.25, timestamp } });
      expect(res.status, `${name}: ${res.text}`).toBe(200);
      patrolId ||= (await activePatrolOf(phone.id))!.id;
      expect((await lastFrame(patrolId)).ts, name).toBe(expected);
    }
    const form = new URLSearchParams({ deviceid: phone.deviceId, location: "9.9512,76.2533", timestamp: plain(base + 6_000), speed: "10", heading: "90" });
    const res = await osmand({ method: "POST", type: "application/x-www-form-urlencoded", body: form.toString() });
    expect(res.status, res.text).toBe(200);
    expect(await lastFrame(patrolId)).toMatchObject({ lat: 9.9512, lon: 76.2533, ts: base + 6_000, heading: 90 });
    expect((await lastFrame(patrolId)).speed).toBeCloseTo(10 * KNOTS_TO_MS, 6);
  });

  it("never moves the marker back: a replayed point is 200 and not published again, an older one is 200 and only history", async () => {
    const phone = await makePhone("order");
    const ts = Date.now() - 30_000;
    const point = { id: phone.deviceId, lat: 9.94, lon: 76.24, timestamp: ts };
    expect((await osmand({ query: point })).status).toBe(200);
    const patrolId = (await activePatrolOf(phone.id))!.id;
    await city.waitFor(telemetryOf(patrolId), "the first point");
    const sent = () => city.frames.filter(telemetryOf(patrolId)).length;
    // Traccar Client resends a point whose answer it lost: same fields, same time.
    expect((await osmand({ query: point })).status).toBe(200);
    expect((await osmand({ query: { ...point, lat: 9.93, timestamp: ts - 10_000 } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(sent()).toBe(1);
    expect(await lastFrame(patrolId)).toMatchObject({ lat: 9.94, ts });
  });

  it("refuses bad fields with 400 naming them, and publishes nothing", async () => {
    const phone = await makePhone("bad");
    expect((await osmand({ query: { id: phone.deviceId, lat: 9.9, lon: 76.2 } })).status).toBe(200);
    const patrolId = (await activePatrolOf(phone.id))!.id;
    await city.waitFor(telemetryOf(patrolId), "the first point");
    const before = city.frames.filter(telemetryOf(patrolId)).length;
    const bad: [Record<string, string | number>, RegExp][] = [
      [{ lat: 9.9, lon: 76.2 }, /id is missing/],
      [{ id: phone.deviceId, lon: 76.2 }, /lat is missing/],
      [{ id: phone.deviceId, lat: 91, lon: 76.2 }, /lat must be between -90 and 90/],
      [{ id: phone.deviceId, lat: "north", lon: 76.2 }, /lat must be a number/],
      [{ id: phone.deviceId, location: "9.9;76.2" }, /location must be lat,lon/],
      [{ id: phone.deviceId, lat: 9.9, lon: 76.2, timestamp: "yesterday" }, /timestamp must be unix seconds or milliseconds/],
      [{ id: phone.deviceId, lat: 9.9, lon: 76.2, timestamp: Date.now() + 3_600_000 }, /timestamp is in the future/],
      [{ id: phone.deviceId, lat: 9.9, lon: 76.2, speed: -3 }, /speed must be between 0 and 291 knots/],
      [{ id: phone.deviceId, lat: 9.9, lon: 76.2, batt: 140 }, /batt must be between 0 and 100/],
    ];
    for (const [query, message] of bad) {
      const res = await osmand({ query });
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body?.error.message, JSON.stringify(query)).toMatch(message);
    }
    const json = await osmand({ method: "POST", type: "application/json", body: "{not json" });
    expect(json.status).toBe(400);
    const noCoords = await osmand({ method: "POST", type: "application/json", body: JSON.stringify({ device_id: phone.deviceId, location: { timestamp: new Date().toISOString() } }) });
    expect(noCoords.status).toBe(400);
    expect(noCoords.body?.error.message).toMatch(/location\.coords/);
    expect((await osmand({ method: "POST", type: "text/plain", body: "lat=1" })).status).toBe(415);
    await new Promise((r) => setTimeout(r, 300));
    expect(city.frames.filter(telemetryOf(patrolId)).length).toBe(before);
  });

  it("answers 404 for an unknown id and 403 for a disabled vehicle, publishing nothing; re-enabled, the phone reports again", async () => {
    expect((await osmand({ query: { id: "abcd-efgh-ijkm-npqr-stuv-wxyz-2345-6789", lat: 9.9, lon: 76.2 } })).status).toBe(404);
    expect((await osmand({ query: { id: "123456", lat: 9.9, lon: 76.2 } })).status).toBe(404);
    const phone = await makePhone("disabled");
    expect((await osmand({ query: { id: phone.deviceId, lat: 9.9, lon: 76.2 } })).status).toBe(200);
    const patrolId = (await activePatrolOf(phone.id))!.id;
    await city.waitFor(telemetryOf(patrolId), "the first point");
    const before = city.frames.filter(telemetryOf(patrolId)).length;
    expect((await call(`/api/admin/vehicles/${phone.id}`, { method: "PATCH", client: admin, body: { enabled: false } })).status).toBe(200);
    const refused = await osmand({ query: { id: phone.deviceId, lat: 9.91, lon: 76.21 } });
    expect(refused.status).toBe(403);
    expect(refused.body?.error.code).toBe("VEHICLE_DISABLED");
    await new Promise((r) => setTimeout(r, 300));
    expect(city.frames.filter(telemetryOf(patrolId)).length).toBe(before);
    expect((await call(`/api/admin/vehicles/${phone.id}`, { method: "PATCH", client: admin, body: { enabled: true } })).status).toBe(200);
    expect((await osmand({ query: { id: phone.deviceId, lat: 9.92, lon: 76.22 } })).status).toBe(200);
  });

  it("raises an SOS for alarm=sos (query) and a JSON event of sos", async () => {
    const phone = await makePhone("sos");
    expect((await osmand({ query: { id: phone.deviceId, lat: 9.9666, lon: 76.2666, alarm: "sos" } })).status).toBe(200);
    const patrolId = (await activePatrolOf(phone.id))!.id;
    const alert = await city.waitFor((f) => f.type === "ALERT" && f.alert.patrolId === patrolId && f.alert.kind === "SOS", "the phone's SOS");
    expect(alert.type === "ALERT" && alert.alert).toMatchObject({ state: "OPEN", lat: 9.9666, lon: 76.2666, callSign: phone.callSign });
    const json = { device_id: phone.deviceId, location: { timestamp: new Date().toISOString(), coords: { latitude: 9.9667, longitude: 76.2667 }, event: "sos" } };
    expect((await osmand({ method: "POST", type: "application/json", body: JSON.stringify(json) })).status).toBe(200);
    // Raised once until resolved: pressed again, the same alert.
    expect(await prisma.alert.count({ where: { patrolId, kind: "SOS" } })).toBe(1);
  });

  it("keeps a patrol a commander ended ended: the phone's points are refused (409, who and why) instead of starting another at once", async () => {
    const phone = await makePhone("ended");
    expect((await osmand({ query: { id: phone.deviceId, lat: 9.9, lon: 76.2 } })).status).toBe(200);
    const patrolId = (await activePatrolOf(phone.id))!.id;
    const stop = await call(`/api/patrols/${patrolId}/stop`, { method: "POST", client: admin, body: { reason: "phone left in the car" } });
    expect(stop.status).toBe(200);
    const refused = await osmand({ query: { id: phone.deviceId, lat: 9.91, lon: 76.21 } });
    expect(refused.status).toBe(409);
    expect(refused.body?.error.code).toBe("PATROL_ENDED_BY_COMMANDER");
    expect(refused.body?.error.message).toMatch(/phone left in the car/);
    expect(await activePatrolOf(phone.id)).toBeNull();
  });
});

describe("hot path", () => {
  it("runs no SQL for a phone's points once its patrol is known", async () => {
    const fleet = await Promise.all([makePhone("sql-a"), makePhone("sql-b"), makePhone("sql-c")]);
    // First points: patrols start (SQL, once each).
    for (const phone of fleet) expect((await osmand({ query: { id: phone.deviceId, lat: 9.9, lon: 76.2 } })).status).toBe(200);
    const stats = await tableScans(inject("databaseUrl"));
    const scans = stats.count;
    const flushWindow = stats.flushWindow;
    try {
      await flushWindow();
      const baseline = await scans();
      const t0 = Date.now() - 60_000;
      await Promise.all(
        fleet.map(async (phone) => {
          for (let i = 0; i < 20; i++) {
            const res = await osmand({ query: { id: phone.deviceId, lat: 9.9 + i / 1e4, lon: 76.2, timestamp: t0 + i * 1000, speed: 12, batt: 80 } });
            expect(res.status, res.text).toBe(200);
            if (i % 9 === 8) await new Promise((r) => setTimeout(r, 1000));
          }
        }),
      );
      await flushWindow();
      expect(await scans()).toBe(baseline);
    } finally {
      await stats.end();
    }
  }, 60_000);
});

describe("idle stop", () => {
  it("ends a patrol a phone started once it has been quiet for OSMAND_IDLE_STOP_MINUTES (REMOVE_CAR), and its next point starts another (ADD_CAR)", async () => {
    const phone = await makePhone("idle");
    expect((await osmand({ query: { id: phone.deviceId, lat: 9.9, lon: 76.2 } })).status).toBe(200);
    const first = (await activePatrolOf(phone.id))!.id;
    // A patrol the device started itself (POST /api/patrols/start) is never swept: only autoStarted ones are.
    const manual = await prisma.patrol.findFirst({ where: { status: "ACTIVE", autoStarted: false }, select: { id: true } });
    const writer = await startHistory({
      ...TEST_SECRETS,
      DATABASE_URL: inject("databaseUrl"),
      REDIS_URL: inject("redisUrl"),
      HISTORY_METRICS_PORT: String(await freePort()),
      HISTORY_CONSUMER: "it-osmand-idle",
      OSMAND_IDLE_STOP_MINUTES: String(3 / 60),
      ALERT_SILENT_SECONDS: "0",
      LOG_LEVEL: "warn",
    });
    try {
      await city.waitFor(removeCarOf(first), "REMOVE_CAR of the idle patrol", 1, 15_000);
      const ended = await prisma.patrol.findUniqueOrThrow({ where: { id: first } });
      expect(ended).toMatchObject({ status: "ENDED", endedBy: "idle" });
      if (manual) expect((await prisma.patrol.findUniqueOrThrow({ where: { id: manual.id } })).status).toBe("ACTIVE");
    } finally {
      await writer.stop();
    }
    city.frames.length = 0;
    expect((await osmand({ query: { id: phone.deviceId, lat: 9.905, lon: 76.205 } })).status).toBe(200);
    const second = await waitUntil(async () => (await activePatrolOf(phone.id))?.id, "a new patrol");
    expect(second).not.toBe(first);
    await city.waitFor(addCarOf(phone.id), "ADD_CAR of the new patrol");
  });
});

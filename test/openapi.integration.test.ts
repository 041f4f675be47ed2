import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prisma } from "@/lib/db";
import { openApiDocument, type Method, type OpenApiDocument, type Operation, type Reference, type ResponseObject } from "@/lib/openapi/document";
import { seededVehicleSecret } from "@/lib/seed/seed";
import type { ApiAnswer } from "@/test/support/live-stack";
import { call, DEMO, login, type UserClient } from "@/test/support/http";
import { TEST_SECRETS } from "@/test/support/secrets";
import { waitUntil } from "@/test/support/sidecar";
import { freePort, startHistory, type Managed } from "@/test/support/stack";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

/**
 * Every operation `GET /api/openapi.json` documents answers as documented: for each, a valid request and an invalid
 * one against the built app, each answer's status one the document lists for the operation and its body valid
 * against the schema documented for that status and content type (Ajv, JSON Schema 2020-12). The suite's web server
 * serves the document; a history writer of this file's own stores the points the track is read from.
 */

let doc: OpenApiDocument;
let ajv: Ajv2020;
let admin: UserClient;
let history: Managed | null = null;
/** a: on patrol for the point, status, SOS and track requests; b: starts, then stops, a patrol; c: a phone (OsmAnd). */
let a: TestVehicle;
let b: TestVehicle;
let c: TestVehicle;
/** c's OsmAnd device id, issued by an admin. */
let deviceId: string;
let patrolA: number;
let patrolB: number;
let sosAlertId: number | null = null;

/** Which operations got a valid request answered with success, and an invalid one answered 400. */
const exercised = new Map<string, Set<"valid" | "invalid">>();

beforeAll(async () => {
  const served = await call("/api/openapi.json");
  expect(served.status).toBe(200);
  doc = served.body as OpenApiDocument;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  // The components under the id "openapi.json", so a document's `#/components/…` references resolve in it.
  ajv.addSchema({ $id: "openapi.json", components: doc.components });
  admin = await login(DEMO.admin);
  [a, b, c] = (await idleVehicles(3)) as [TestVehicle, TestVehicle, TestVehicle];
  const issued = await call(`/api/admin/vehicles/${c.id}/device-id`, { method: "POST", client: admin });
  expect(issued.status, JSON.stringify(issued.body)).toBe(200);
  deviceId = issued.body.deviceId as string;
  history = await startHistory({
    ...TEST_SECRETS,
    DATABASE_URL: inject("databaseUrl"),
    REDIS_URL: inject("redisUrl"),
    HISTORY_METRICS_PORT: String(await freePort()),
    HISTORY_CONSUMER: "it-openapi",
    LOG_LEVEL: "warn",
  });
  const started = await call("/api/patrols/start", { method: "POST", token: a.token });
  expect(started.status).toBe(201);
  patrolA = started.body.patrolId as number;
});

afterAll(async () => {
  if (sosAlertId) await call(`/api/alerts/${sosAlertId}/resolve`, { method: "POST", client: admin });
  if (patrolA) await call(`/api/patrols/${patrolA}/stop`, { method: "POST", token: a.token });
  const phonePatrol = c ? await prisma.patrol.findFirst({ where: { vehicleId: c.id, status: "ACTIVE" }, select: { id: true } }) : null;
  if (phonePatrol) await call(`/api/patrols/${phonePatrol.id}/stop`, { method: "POST", client: admin });
  await history?.stop();
});

/** Operations without a body or query (only a path id, which answers 404 when wrong). */
const NO_INPUT = new Set(["post /api/admin/vehicles/{id}/device-id"]);

const validators = new Map<string, ValidateFunction>();

/** A validator for a documented schema: a `$ref` into the components, or an inline schema. */
function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    const ref = (schema as Partial<Reference>).$ref;
    validate = ajv.compile(ref ? { $ref: `openapi.json${ref}` } : schema);
    validators.set(key, validate);
  }
  return validate;
}

/** A response object, following a `$ref` to `components.responses`. */
function responseObject(answer: ResponseObject | Reference): ResponseObject {
  if (!("$ref" in answer)) return answer;
  const name = answer.$ref.replace("#/components/responses/", "");
  const found = doc.components.responses[name];
  if (!found) throw new Error(`unresolved ${answer.$ref}`);
  return found;
}

function operation(method: Method, path: string): Operation {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
  return op;
}

/** A request to a documented operation: `url` fills in its path template. */
interface Request {
  url: string;
  body?: unknown;
  token?: string;
  client?: UserClient;
  headers?: Record<string, string>;
}

/**
 * Sends `req` to the operation `method path` and checks that the answer is documented: a status the operation
 * lists, a content type its response lists, and a body valid against that content's schema (none when it lists no
 * content). `kind` records it as the operation's valid request (a 2xx) or its invalid one (400 in the error shape).
 */
async function exchange(method: Method, path: string, req: Request, kind?: "valid" | "invalid"): Promise<ApiAnswer> {
  const op = operation(method, path);
  const res = await call(req.url, { method: method.toUpperCase(), body: req.body, token: req.token, client: req.client, headers: req.headers });
  const where = `${method.toUpperCase()} ${req.url} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 400)}`;
  expect(Object.keys(op.responses), where).toContain(String(res.status));
  const answer = responseObject(op.responses[String(res.status)]!);
  if (!answer.content) {
    expect(res.body ?? "", where).toBe("");
  } else {
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const media = answer.content[type];
    expect(media, `${where}: content type ${type} is not documented`).toBeDefined();
    const validate = validatorFor(media!.schema);
    expect(validate(res.body), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
  if (kind === "valid") expect(res.status, where).toBeLessThan(300);
  if (kind === "invalid") {
    expect(res.status, where).toBe(400);
    expect(res.body.error.code, where).toMatch(/^(VALIDATION_FAILED|INVALID_JSON)$/);
  }
  if (kind) {
    const key = `${method} ${path}`;
    exercised.set(key, (exercised.get(key) ?? new Set()).add(kind));
  }
  return res;
}

describe("every documented route answers as documented", () => {
  it("serves the document the code builds, to anyone, cacheably", async () => {
    const res = await call("/api/openapi.json");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toMatch(/public/);
    expect(res.body).toEqual(openApiDocument());
  });

  it("POST /api/vehicles/token", async () => {
    const path = "/api/vehicles/token";
    const secret = seededVehicleSecret(DEMO.password, a.callSign);
    const res = await exchange("post", path, { url: path, body: { vehicleId: a.id, secret } }, "valid");
    expect(res.status).toBe(200);
    await exchange("post", path, { url: path, body: { vehicleId: a.id } }, "invalid");
    expect((await exchange("post", path, { url: path, body: { vehicleId: a.id, secret: "wrong" } })).status).toBe(401);
    expect((await exchange("post", path, { url: path, body: "{not json" })).status).toBe(400);
  });

  it("POST /api/patrols/start", async () => {
    const path = "/api/patrols/start";
    await exchange("post", path, { url: path, token: b.token, body: { stationId: 0 } }, "invalid");
    const res = await exchange("post", path, { url: path, token: b.token }, "valid");
    expect(res.status).toBe(201);
    patrolB = res.body.patrolId as number;
    const again = await exchange("post", path, { url: path, token: b.token, body: { stationId: b.homeStationId } });
    expect(again.status).toBe(409);
    expect(again.body.patrolId).toBe(patrolB);
    expect((await exchange("post", path, { url: path })).status).toBe(401);
  });

  it("POST /api/telemetry", async () => {
    const path = "/api/telemetry";
    const point = { patrolId: patrolA, lat: 9.9712, lon: 76.2901, ts: Date.now() - 5_000, speed: 8.4, heading: 268, accuracy: 5 };
    expect((await exchange("post", path, { url: path, token: a.token, body: point }, "valid")).status).toBe(202);
    expect((await exchange("post", path, { url: path, token: a.token, body: point })).body).toEqual({ ok: true, stale: true });
    const bad = await exchange("post", path, { url: path, token: a.token, body: { ...point, lat: 91 } }, "invalid");
    expect(bad.body.error.issues[0]).toMatchObject({ path: "lat", code: "too_big" });
    expect((await exchange("post", path, { url: path, token: a.token, body: { ...point, patrolId: patrolB } })).status).toBe(403);
  });

  it("POST /api/telemetry/batch", async () => {
    const path = "/api/telemetry/batch";
    const t = Date.now() - 4_000;
    const points = [0, 1, 2].map((i) => ({ patrolId: patrolA, lat: 9.972 + i / 1000, lon: 76.29, ts: t + i * 1_000 }));
    const res = await exchange("post", path, { url: path, token: a.token, body: { points } }, "valid");
    expect(res.body).toMatchObject({ ok: true, accepted: 3 });
    await exchange("post", path, { url: path, token: a.token, body: { points: [] } }, "invalid");
  });

  it("POST /api/patrols/{id}/status", async () => {
    const path = "/api/patrols/{id}/status";
    const url = `/api/patrols/${patrolA}/status`;
    expect((await exchange("post", path, { url, token: a.token, body: { status: "EN_ROUTE" } }, "valid")).body).toMatchObject({ status: "EN_ROUTE" });
    expect((await exchange("post", path, { url, client: admin, body: { status: "ON_SCENE" } }, "valid")).body).toMatchObject({ status: "ON_SCENE" });
    await exchange("post", path, { url, token: a.token, body: { status: "NAPPING" } }, "invalid");
    expect((await exchange("post", path, { url: "/api/patrols/0/status", token: a.token, body: { status: "BUSY" } })).status).toBe(404);
  });

  it("POST /api/patrols/{id}/sos", async () => {
    const path = "/api/patrols/{id}/sos";
    const url = `/api/patrols/${patrolA}/sos`;
    const first = await exchange("post", path, { url, token: a.token, body: { lat: 9.9712, lon: 76.2901 } }, "valid");
    expect(first.status).toBe(201);
    sosAlertId = first.body.alertId as number;
    expect((await exchange("post", path, { url, token: a.token }, "valid")).body).toEqual(first.body);
    await exchange("post", path, { url, token: a.token, body: { lat: 9.9712 } }, "invalid");
    expect((await exchange("post", path, { url: `/api/patrols/${patrolB}/sos`, token: a.token })).status).toBe(403);
  });

  it("GET /api/patrols/{id}/track", async () => {
    const path = "/api/patrols/{id}/track";
    const url = `/api/patrols/${patrolA}/track`;
    await waitUntil(async () => (await prisma.position.count({ where: { patrolId: patrolA } })) >= 4, "patrol a's points stored", 15_000);
    const track = await exchange("get", path, { url, client: admin }, "valid");
    expect(track.body.points).toHaveLength(4);
    expect(track.body.points[0]).toMatchObject({ speed: 8.4, heading: 268, accuracy: 5 });
    for (const format of ["geojson", "gpx", "csv"]) {
      expect((await exchange("get", path, { url: `${url}?format=${format}`, client: admin }, "valid")).status).toBe(200);
    }
    await exchange("get", path, { url: `${url}?format=kml`, client: admin }, "invalid");
    await exchange("get", path, { url: `${url}?from=yesterday`, client: admin }, "invalid");
    expect((await exchange("get", path, { url })).status).toBe(401);
    expect((await exchange("get", path, { url: "/api/patrols/2147483647/track", client: admin })).status).toBe(404);
  });

  it("POST /api/patrols/{id}/stop", async () => {
    const path = "/api/patrols/{id}/stop";
    const url = `/api/patrols/${patrolB}/stop`;
    await exchange("post", path, { url, token: b.token, body: { reason: 5 } }, "invalid");
    expect((await exchange("post", path, { url, token: a.token })).status).toBe(403);
    expect((await exchange("post", path, { url, token: b.token }, "valid")).body).toMatchObject({ patrolId: patrolB });
    expect((await exchange("post", path, { url, token: b.token })).status).toBe(409);
    const point = { patrolId: patrolB, lat: 9.97, lon: 76.29 };
    expect((await exchange("post", "/api/telemetry", { url: "/api/telemetry", token: b.token, body: point })).status).toBe(409);
  });

  it("GET /api/osmand", async () => {
    const path = "/api/osmand";
    const query = (fields: Record<string, string>) => `${path}?${new URLSearchParams(fields)}`;
    expect((await exchange("get", path, { url: query({ id: deviceId, lat: "9.97", lon: "76.29" }) }, "valid")).status).toBe(200);
    // The first point started a patrol at the phone's home station.
    expect(await prisma.patrol.findFirst({ where: { vehicleId: c.id, status: "ACTIVE" } })).toMatchObject({ stationId: c.homeStationId });
    await exchange("get", path, { url: query({ id: deviceId, lat: "91", lon: "76.29" }) }, "invalid");
    await exchange("get", path, { url: query({ id: deviceId }) }, "invalid");
    const unknown = "k7qm-2xv9-ab3c-defg-hjkm-npqr-stuv-wxyz";
    expect((await exchange("get", path, { url: query({ id: unknown, lat: "9.97", lon: "76.29" }) })).status).toBe(404);
  });

  it("POST /api/osmand", async () => {
    const path = "/api/osmand";
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const fields = new URLSearchParams({ id: deviceId, lat: "9.971", lon: "76.291", speed: "10", bearing: "90", batt: "80" }).toString();
    expect((await exchange("post", path, { url: path, body: fields, headers: form }, "valid")).status).toBe(200);
    // Traccar Client up to 8: the fields in the query string, no body.
    expect((await exchange("post", path, { url: `${path}?${new URLSearchParams({ id: deviceId, lat: "9.972", lon: "76.292" })}` }, "valid")).status).toBe(200);
    const location = { timestamp: new Date().toISOString(), coords: { latitude: 9.973, longitude: 76.293, speed: 4.2, heading: 180, accuracy: 6 }, battery: { level: 0.8, is_charging: true } };
    expect((await exchange("post", path, { url: path, body: { device_id: deviceId, location } }, "valid")).status).toBe(200);
    await exchange("post", path, { url: path, body: { device_id: deviceId, location: { ...location, coords: { latitude: 9.973 } } } }, "invalid");
    await exchange("post", path, { url: path, body: `id=${deviceId}&lat=9.97&lon=east`, headers: form }, "invalid");
    expect((await exchange("post", path, { url: path, body: fields, headers: { "content-type": "text/plain" } })).status).toBe(415);
  });

  it("POST /api/admin/vehicles/{id}/device-id", async () => {
    const path = "/api/admin/vehicles/{id}/device-id";
    const res = await exchange("post", path, { url: `/api/admin/vehicles/${c.id}/device-id`, client: admin }, "valid");
    expect((await exchange("get", "/api/osmand", { url: `/api/osmand?id=${deviceId}&lat=9.97&lon=76.29` })).status).toBe(404);
    deviceId = res.body.deviceId as string;
    expect((await exchange("get", "/api/osmand", { url: `/api/osmand?id=${deviceId}&lat=9.97&lon=76.29` })).status).toBe(200);
    expect((await exchange("post", path, { url: `/api/admin/vehicles/${c.id}/device-id`, client: await login(DEMO.station) })).status).toBe(403);
    expect((await exchange("post", path, { url: "/api/admin/vehicles/0/device-id", client: admin })).status).toBe(404);
  });

  it("covers every documented operation with a valid and an invalid request", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect(documented.length).toBeGreaterThanOrEqual(8);
    for (const key of documented) {
      // An operation that takes no input has no invalid request to send: a valid one is all there is.
      const wanted = NO_INPUT.has(key) ? ["valid"] : ["invalid", "valid"];
      expect([...(exercised.get(key) ?? [])].sort(), key).toEqual(wanted);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { baseUrl, call, DEMO, login, type UserClient } from "./support/http";
import { idleVehicles, type TestVehicle } from "./support/vehicles";

/**
 * CSRF defence in depth: SameSite=Lax lets a "same-site" page (another port of
 * the host, a sibling subdomain) send the session cookie along, so every
 * state-changing route also wants the app's own origin and a JSON body. These
 * are the requests such a page can make without a CORS preflight: a `no-cors`
 * fetch (no content type, or text/plain) and an HTML form (text/plain,
 * urlencoded, multipart).
 */

const SIBLING = "http://127.0.0.1:1"; // same site as the suite's 127.0.0.1 server, another origin
const RUN = Date.now().toString(36).toUpperCase();

let admin: UserClient;
let vehicle: TestVehicle;
let patrolId: number;

beforeAll(async () => {
  admin = await login(DEMO.admin);
  [vehicle] = (await idleVehicles(1)) as [TestVehicle];
  const started = await call("/api/patrols/start", { token: vehicle.token, body: {} });
  expect(started.status).toBe(201);
  patrolId = started.body.patrolId as number;
});

afterAll(async () => {
  await call(`/api/patrols/${patrolId}/stop`, { method: "POST", token: vehicle.token });
});

/** A raw request with the admin's cookie, exactly the headers given (no helper adds a content type). */
function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: BodyInit }) {
  return fetch(`${baseUrl()}${path}`, { method: init.method ?? "POST", headers: { cookie: admin.cookie, ...init.headers }, body: init.body });
}

const districtCount = (code: string) => prisma.district.count({ where: { code } });
const patrolStatus = async () => (await prisma.patrol.findUniqueOrThrow({ where: { id: patrolId } })).status;

describe("a signed-in change from another origin of the same site", () => {
  it.each<[string, Record<string, string>]>([
    ["no-cors fetch, JSON text without a content type", { origin: SIBLING, "sec-fetch-site": "same-site" }],
    ["no-cors fetch, text/plain", { origin: SIBLING, "sec-fetch-site": "same-site", "content-type": "text/plain;charset=UTF-8" }],
    ["a JSON content type does not help", { origin: SIBLING, "sec-fetch-site": "same-site", "content-type": "application/json" }],
    ["Origin alone (an older browser)", { origin: SIBLING, "content-type": "application/json" }],
    ["Sec-Fetch-Site alone (Origin stripped by a proxy)", { "sec-fetch-site": "same-site", "content-type": "application/json" }],
    ["cross-site", { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "application/json" }],
    ["Origin: null (sandboxed frame)", { origin: "null", "content-type": "application/json" }],
  ])("is refused with 403 and creates nothing: %s", async (_label, headers) => {
    const code = `X${RUN}${Math.floor(Math.random() * 1e6)}`;
    const res = await raw("/api/admin/districts", { headers, body: JSON.stringify({ name: `Forged ${code}`, code }) });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("FORBIDDEN");
    expect(body.error.message).toContain(new URL(baseUrl()).origin);
    expect(await districtCount(code)).toBe(0);
  });

  it("cannot stop a patrol with a text/plain form (403), and the patrol stays active", async () => {
    const res = await raw(`/api/patrols/${patrolId}/stop`, {
      headers: { origin: SIBLING, "sec-fetch-site": "same-site", "content-type": "text/plain" },
      body: "x=1",
    });
    expect(res.status).toBe(403);
    expect(await patrolStatus()).toBe("ACTIVE");
  });
});

describe("a signed-in change without a JSON content type, from the app's own origin or none stated", () => {
  it.each<[string, Record<string, string>]>([
    ["none (a no-cors fetch of a Blob)", {}],
    ["text/plain (a form with enctype=text/plain)", { "content-type": "text/plain" }],
    ["urlencoded (a plain form)", { "content-type": "application/x-www-form-urlencoded" }],
    ["multipart (a file form)", { "content-type": "multipart/form-data; boundary=x" }],
  ])("is refused with 415 and creates nothing: %s", async (_label, headers) => {
    const code = `Y${RUN}${Math.floor(Math.random() * 1e6)}`;
    const res = await raw("/api/admin/districts", { headers, body: JSON.stringify({ name: `Forged ${code}`, code }) });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await districtCount(code)).toBe(0);
  });

  it("cannot stop a patrol with a bodiless POST (415), nor delete with one", async () => {
    expect((await raw(`/api/patrols/${patrolId}/stop`, {})).status).toBe(415);
    expect(await patrolStatus()).toBe("ACTIVE");
    const created = await call("/api/admin/districts", { client: admin, body: { name: `Kept ${RUN}`, code: `K${RUN}` } });
    expect(created.status).toBe(201);
    expect((await raw(`/api/admin/districts/${created.body.id}`, { method: "DELETE" })).status).toBe(415);
    expect(await districtCount(`K${RUN}`)).toBe(1);
    expect((await call(`/api/admin/districts/${created.body.id}`, { method: "DELETE", client: admin })).status).toBe(200);
  });
});

describe("what keeps working", () => {
  it("the app's own pages: same origin, JSON", async () => {
    const code = `Z${RUN}`;
    const res = await raw("/api/admin/districts", {
      headers: { origin: new URL(baseUrl()).origin, "sec-fetch-site": "same-origin", "content-type": "application/json" },
      body: JSON.stringify({ name: `Own ${code}`, code }),
    });
    expect(res.status).toBe(201);
    expect(await districtCount(code)).toBe(1);
  });

  it("reads from anywhere the session allows (GET is never a change)", async () => {
    const res = await raw("/api/admin/districts", { method: "GET", headers: { origin: SIBLING, "sec-fetch-site": "same-site" } });
    expect(res.status).toBe(200);
  });

  it("devices: bearer-token requests carry no session cookie and need no Origin", async () => {
    const res = await fetch(`${baseUrl()}/api/telemetry`, {
      method: "POST",
      headers: { authorization: `Bearer ${vehicle.token}`, origin: SIBLING, "content-type": "application/json" },
      body: JSON.stringify({ patrolId, lat: 9.97, lon: 76.29 }),
    });
    expect(res.status).toBe(202);
  });
});

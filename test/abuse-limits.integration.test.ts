import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { STATION_BODY_LIMIT_BYTES } from "@/lib/admin/stations";
import { env } from "@/lib/env";
import { createRedis } from "@/lib/redis/client";
import { patrolChannel } from "@/lib/redis/keys";
import { baseUrl, call, DEMO, login, type UserClient } from "./support/http";
import { idleVehicles, type TestVehicle } from "./support/vehicles";

/**
 * Request body limits at their defaults (REQUEST_BODY_LIMIT_BYTES 16 KiB,
 * TELEMETRY_BATCH_BODY_LIMIT_BYTES 256 KiB) on every kind of endpoint, with
 * the size declared up front and streamed without a Content-Length. The
 * configured (non-default) limits, the telemetry rate and the login limits
 * behind a proxy are in behind-proxy.integration.test.ts; login limits at
 * their defaults in lib/auth/login.integration.test.ts; WebSocket
 * connections per user in realtime/faults.integration.test.ts.
 */

let vehicle: TestVehicle;
let patrolId: number;
let admin: UserClient;

/** A JSON object of exactly `size` bytes: `{"pad":"xxx…"}` plus `fields`. */
function jsonOfSize(size: number, fields: Record<string, unknown> = {}): string {
  const head = JSON.stringify({ ...fields, pad: "" });
  return `${head.slice(0, -2)}${"x".repeat(size - head.length)}"}`;
}

/** POSTs `body` with Content-Length, or streamed in chunks without one. */
async function post(path: string, body: string, opts: { streamed: boolean; token?: string; cookie?: string }): Promise<{ status: number; body: any }> {
  const bytes = Buffer.from(body);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.subarray(i, i + 4096));
      controller.close();
    },
  });
  const res = await fetch(`${baseUrl()}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
    },
    body: opts.streamed ? stream : bytes,
    ...(opts.streamed ? { duplex: "half" } : {}),
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

beforeAll(async () => {
  [vehicle] = (await idleVehicles(1)) as [TestVehicle];
  patrolId = (await call("/api/patrols/start", { method: "POST", token: vehicle.token, body: {} })).body.patrolId as number;
  admin = await login(DEMO.admin);
});

afterAll(async () => {
  await call(`/api/patrols/${patrolId}/stop`, { method: "POST", token: vehicle.token });
});

describe("request body limits", () => {
  const single = env.REQUEST_BODY_LIMIT_BYTES;
  const batch = env.TELEMETRY_BATCH_BODY_LIMIT_BYTES;

  it("runs with the documented defaults: 16 KiB, and 256 KiB for a telemetry batch", () => {
    expect([single, batch]).toEqual([16 * 1024, 256 * 1024]);
  });

  for (const streamed of [false, true]) {
    const how = streamed ? "streamed without Content-Length" : "with Content-Length";

    it(`refuses a body one byte over the limit with 413, ${how}, and accepts one at the limit`, async () => {
      const cases = [
        { path: "/api/telemetry", limit: single, fields: { patrolId, lat: 9.97, lon: 76.29 }, token: vehicle.token },
        { path: "/api/telemetry/batch", limit: batch, fields: { points: [{ patrolId, lat: 9.97, lon: 76.29 }] }, token: vehicle.token },
        { path: "/api/vehicles/token", limit: single, fields: { vehicleId: vehicle.id, secret: "x" } },
        { path: "/api/patrols/start", limit: single, fields: { stationId: 1 }, token: vehicle.token },
        // Stations take more (room for a 10,000-corner boundary).
        { path: "/api/admin/stations", limit: STATION_BODY_LIMIT_BYTES, fields: { name: "Too big", code: "BIG" }, cookie: admin.cookie },
        { path: "/api/admin/users", limit: single, fields: { email: "big@example.org" }, cookie: admin.cookie },
      ];
      for (const { path, limit, fields, ...auth } of cases) {
        const over = await post(path, jsonOfSize(limit + 1, fields), { streamed, ...auth });
        expect(over.status, `${path} over`).toBe(413);
        expect(over.body.error.code).toBe("PAYLOAD_TOO_LARGE");
        expect(over.body.error.message).toContain(`${limit / 1024} KiB`);
        // At the limit the body is read and judged on its content (here: the unknown "pad" field).
        const at = await post(path, jsonOfSize(limit, fields), { streamed, ...auth });
        expect(at.status, `${path} at the limit`).toBe(400);
        expect(at.body.error.code).toBe("VALIDATION_FAILED");
      }
    });
  }

  it("refuses a body far over the limit at once, whatever it claims to be", async () => {
    const huge = "x".repeat(8 * 1024 * 1024);
    const res = await post("/api/telemetry", huge, { streamed: true, token: vehicle.token });
    expect(res.status).toBe(413);
    expect((await call("/api/health")).status).toBe(200);
  });
});

describe("live fan-out budget", () => {
  it("fans out at most TELEMETRY_RATE_PER_SECOND frames of a patrol per second however many points its batches carry; the rest are accepted, for history", async () => {
    const sub = createRedis(inject("redisUrl"));
    const heard: string[] = [];
    sub.on("message", (_channel: string, message: string) => heard.push(message));
    await sub.subscribe(patrolChannel("", patrolId));
    try {
      // Four 100-point batches of one backlog, each newer than the last, sent at once.
      const t0 = Date.now() - 3_600_000;
      const batch = (b: number) => ({
        points: Array.from({ length: 100 }, (_, i) => ({ patrolId, lat: 9.9 + (b * 100 + i) * 1e-5, lon: 76.3, ts: t0 + (b * 100 + i) * 1_000 })),
      });
      const firstWindow = Math.floor(Date.now() / 1_000);
      const answers = await Promise.all([0, 1, 2, 3].map((b) => call("/api/telemetry/batch", { token: vehicle.token, body: batch(b) })));
      const lastWindow = Math.floor(Date.now() / 1_000);
      for (const a of answers) expect(a.status).toBe(202);
      const sum = (field: "accepted" | "published" | "stale" | "withheld") => answers.reduce((n, a) => n + (a.body[field] as number), 0);
      expect(sum("accepted")).toBe(400);
      expect(sum("published") + sum("stale") + sum("withheld")).toBe(400);
      expect(sum("published")).toBeGreaterThan(0);
      expect(sum("published")).toBeLessThanOrEqual(env.TELEMETRY_RATE_PER_SECOND * (lastWindow - firstWindow + 1));
      // What a dashboard gets: exactly the published frames; one connecting now sees the newest point of the backlog.
      await expect.poll(() => heard.length).toBe(sum("published"));
      const listed = await call("/api/patrols", { client: admin });
      expect(listed.body.items.find((p: { patrolId: number }) => p.patrolId === patrolId).last.ts).toBe(t0 + 399_000);
    } finally {
      sub.disconnect();
    }
  });
});

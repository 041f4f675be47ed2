import { SignJWT, decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VEHICLE_AUDIENCE } from "@/lib/auth/tokens";
import { prisma } from "@/lib/db";
import { seededVehicleSecret } from "@/lib/seed/seed";
import { call, DEMO, login, type UserClient } from "@/test/support/http";
import { TEST_SECRETS } from "@/test/support/secrets";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

const requestToken = (body: unknown, headers?: Record<string, string>) => call("/api/vehicles/token", { body, headers });
const secretOf = (v: TestVehicle) => seededVehicleSecret(DEMO.password, v.callSign);

let admin: UserClient;
let onDuty: TestVehicle;
let toDisable: TestVehicle;

beforeAll(async () => {
  admin = await login(DEMO.admin);
  [onDuty, toDisable] = (await idleVehicles(2)) as [TestVehicle, TestVehicle];
});

afterAll(async () => {
  if (toDisable) await prisma.vehicle.update({ where: { id: toDisable.id }, data: { enabled: true } });
  await prisma.$disconnect();
});

describe("POST /api/vehicles/token", () => {
  it("issues a token for the right secret that starts and stops a patrol", async () => {
    const before = Date.now();
    const res = await requestToken({ vehicleId: onDuty.id, secret: secretOf(onDuty) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: expect.any(String), expiresAt: expect.any(Number) });
    const { token, expiresAt } = res.body as { token: string; expiresAt: number };

    // One shift: valid for hours, and the JWT's own expiry matches what the device was told.
    expect(expiresAt).toBeGreaterThan(before + 60 * 60 * 1000);
    const claims = decodeJwt(token);
    expect(claims.sub).toBe(`vehicle:${onDuty.id}`);
    expect(claims.exp! * 1000).toBe(expiresAt);

    const started = await call("/api/patrols/start", { method: "POST", token });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ patrolId: expect.any(Number), startedAt: expect.any(Number) });
    const patrolId = started.body.patrolId as number;

    const stopped = await call(`/api/patrols/${patrolId}/stop`, { method: "POST", token });
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect(stopped.body).toMatchObject({ patrolId, endedAt: expect.any(Number) });
    expect((await prisma.patrol.findUniqueOrThrow({ where: { id: patrolId } })).status).toBe("ENDED");
  });

  it("refuses a wrong secret and an unknown vehicle alike with 401", async () => {
    const wrong = await requestToken({ vehicleId: onDuty.id, secret: secretOf(toDisable) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("INVALID_CREDENTIALS");
    expect(wrong.body).not.toHaveProperty("token");

    const unknown = await requestToken({ vehicleId: 2_000_000_000, secret: secretOf(onDuty) });
    expect(unknown.status).toBe(401);
    // Same answer, so vehicle ids cannot be probed.
    expect(unknown.body).toEqual(wrong.body);
  });

  it("refuses a disabled vehicle with 403, and its earlier token with 401 (revoked), until it is enabled again", async () => {
    const earlier = await requestToken({ vehicleId: toDisable.id, secret: secretOf(toDisable) });
    expect(earlier.status).toBe(200);

    const patch = await call(`/api/admin/vehicles/${toDisable.id}`, { method: "PATCH", body: { enabled: false }, client: admin });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    expect(patch.body.enabled).toBe(false);

    const refused = await requestToken({ vehicleId: toDisable.id, secret: secretOf(toDisable) });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "VEHICLE_DISABLED", message: expect.stringMatching(/disabled/i) });
    expect(refused.body).not.toHaveProperty("token");

    const start = await call("/api/patrols/start", { method: "POST", token: earlier.body.token });
    expect(start.status).toBe(401);
    expect(start.body.error).toMatchObject({ code: "INVALID_TOKEN", message: expect.stringMatching(/revoked/) });

    const reenable = await call(`/api/admin/vehicles/${toDisable.id}`, { method: "PATCH", body: { enabled: true }, client: admin });
    expect(reenable.status).toBe(200);
    expect((await requestToken({ vehicleId: toDisable.id, secret: secretOf(toDisable) })).status).toBe(200);
  });

  it.each([
    ["a body that is not JSON", "{vehicleId: 1, secret:", "INVALID_JSON", /not valid JSON/],
    ["an empty body", "", "INVALID_JSON", /empty/],
    ["a JSON array", [1, "secret"], "VALIDATION_FAILED", /body/],
    ["a missing secret", { vehicleId: 1 }, "VALIDATION_FAILED", /secret/],
    ["a missing vehicleId", { secret: "s" }, "VALIDATION_FAILED", /vehicleId/],
    ["vehicleId as a string", { vehicleId: "1", secret: "s" }, "VALIDATION_FAILED", /vehicleId/],
    ["a fractional vehicleId", { vehicleId: 1.5, secret: "s" }, "VALIDATION_FAILED", /vehicleId/],
    ["an empty secret", { vehicleId: 1, secret: "" }, "VALIDATION_FAILED", /secret/],
    ["an unknown field", { vehicleId: 1, secret: "s", password: "p" }, "VALIDATION_FAILED", /password/],
  ])("answers 400 naming the problem for %s", async (_what, body, code, message) => {
    const res = await requestToken(body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect(res.body).not.toHaveProperty("token");
  });
});

describe("device tokens on the vehicle API", () => {
  const sign = (key: string, exp: number) =>
    new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("sentinel")
      .setAudience(VEHICLE_AUDIENCE)
      .setSubject(`vehicle:${onDuty.id}`)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(key));

  it("refuses a token signed with another key", async () => {
    const forged = await sign("not-the-server-key-0123456789abcdef0123456789", Math.floor(Date.now() / 1000) + 3600);
    const res = await call("/api/patrols/start", { method: "POST", token: forged });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: "INVALID_TOKEN", message: expect.stringMatching(/request a new one/) });
  });

  it("refuses an expired token, saying so", async () => {
    const expired = await sign(TEST_SECRETS.VEHICLE_TOKEN_SECRET, Math.floor(Date.now() / 1000) - 60);
    const res = await call("/api/patrols/start", { method: "POST", token: expired });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: "INVALID_TOKEN", message: expect.stringMatching(/expired/) });
  });

  it("asks for a bearer token when there is none", async () => {
    const res = await call("/api/patrols/start", { method: "POST" });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/Authorization: Bearer/);
  });
});

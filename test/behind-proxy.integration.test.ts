import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prisma } from "@/lib/db";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { freePort, startWeb, type Managed } from "@/test/support/stack";
import { DEMO } from "./support/http";
import { attemptLogin, requestFrom, type RawRequest } from "./support/login-attempt";
import { TEST_SECRETS } from "./support/secrets";
import { idleVehicles, type TestVehicle } from "./support/vehicles";

/**
 * A second web server, as deployed behind a TLS-terminating reverse proxy
 * (nginx appending the client address to X-Forwarded-For): TRUSTED_PROXY_HOPS=1,
 * an https NEXTAUTH_URL, and every abuse limit configured below its default,
 * to prove each is read from the environment. This file plays the proxy.
 * It shares the suite's database and Redis, under its own REDIS_PREFIX.
 */

const RUN = randomBytes(3).toString("hex");
const PUBLIC_URL = "https://sentinel.example.org";
const LIMITS = {
  LOGIN_FAILURES_BEFORE_LOCKOUT: 3,
  TELEMETRY_RATE_PER_SECOND: 3,
  REQUEST_BODY_LIMIT_BYTES: 4096,
  TELEMETRY_BATCH_BODY_LIMIT_BYTES: 8192,
};
const THROTTLED = /^Too many failed attempts/;
const PREFIX = `proxied-${RUN}:`;

let web: Managed;
let base: string;
let output = "";
let redis: RedisClient;
let vehicle: TestVehicle;
let patrolId = 0;
let adminCookie: string;
/** Every password and device secret this file sends or receives: none may reach the log. */
const secrets: string[] = [DEMO.password];

/** A request as our proxy forwards it: the client's own X-Forwarded-For (if any), then the client address it saw. */
function viaProxy(path: string, client: string, opts: RawRequest & { claimed?: string } = {}) {
  const forwarded = opts.claimed ? `${opts.claimed}, ${client}` : client;
  return requestFrom(`${base}${path}`, { ...opts, headers: { ...opts.headers, "x-forwarded-for": forwarded, "x-forwarded-proto": "https" } });
}

const login = (email: string, password: string, client: string, claimed?: string) =>
  attemptLogin(base, email, password, { headers: { "x-forwarded-for": claimed ? `${claimed}, ${client}` : client, "x-forwarded-proto": "https" } });

const json = (text: string) => (text ? (JSON.parse(text) as any) : null);

beforeAll(async () => {
  const port = await freePort();
  web = await startWeb({
    ...TEST_SECRETS,
    DATABASE_URL: inject("databaseUrl"),
    REDIS_URL: inject("redisUrl"),
    REDIS_PREFIX: PREFIX,
    PORT: String(port),
    NEXTAUTH_URL: PUBLIC_URL,
    REALTIME_PUBLIC_URL: "wss://live.sentinel.example.org/live",
    NEXT_PUBLIC_TILE_URL: "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
    TRUSTED_PROXY_HOPS: "1",
    ...Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])),
    LOG_LEVEL: "debug",
  });
  const collect = (chunk: Buffer) => (output += chunk.toString());
  web.child.stdout?.on("data", collect);
  web.child.stderr?.on("data", collect);
  base = `http://127.0.0.1:${port}`;
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  [vehicle] = (await idleVehicles(1)) as [TestVehicle];
  const admin = await login(DEMO.admin, DEMO.password, "198.51.100.1");
  expect(admin.sessionCookie).toBeDefined();
  adminCookie = admin.sessionCookie!;
}, 90_000);

afterAll(async () => {
  if (patrolId) await viaProxy(`/api/patrols/${patrolId}/stop`, "198.51.100.2", { method: "POST", headers: { authorization: `Bearer ${vehicle.token}` } });
  await web?.stop();
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await prisma.user.deleteMany({ where: { email: { contains: RUN } } });
  await prisma.vehicle.deleteMany({ where: { callSign: { contains: RUN.toUpperCase() } } });
  await prisma.$disconnect();
});

describe("per-IP login limit behind a proxy (TRUSTED_PROXY_HOPS=1)", () => {
  const ipLimit = LIMITS.LOGIN_FAILURES_BEFORE_LOCKOUT * 4;

  it(`counts failures against the address the proxy appended, whatever the client claimed before it (${ipLimit} per IP)`, async () => {
    const client = "198.51.100.7";
    for (let i = 0; i < ipLimit; i++) {
      const attempt = await login(`spray-${i}-${RUN}@example.org`, `wrong-${RUN}-${i}`, client, `203.0.113.${i}, 192.0.2.${i}`);
      secrets.push(`wrong-${RUN}-${i}`);
      expect(attempt.error).toBe("Wrong email or password.");
    }
    const locked = await login(DEMO.zone, DEMO.password, client, "203.0.113.250");
    expect(locked.sessionCookie).toBeUndefined();
    expect(locked.error).toMatch(THROTTLED);
    expect((await login(DEMO.zone, DEMO.password, "198.51.100.8")).sessionCookie).toBeDefined();
  });

  it("counts a request that bypassed the proxy (no X-Forwarded-For) against its TCP peer", async () => {
    const direct = (email: string, password: string) => attemptLogin(base, email, password, { from: "127.0.3.9" });
    for (let i = 0; i < ipLimit; i++) expect((await direct(`direct-${i}-${RUN}@example.org`, "wrong")).error).toBe("Wrong email or password.");
    expect((await direct(DEMO.zone, DEMO.password)).error).toMatch(THROTTLED);
    expect((await attemptLogin(base, DEMO.zone, DEMO.password, { from: "127.0.3.10" })).sessionCookie).toBeDefined();
  });

  it(`locks an account for one client after LOGIN_FAILURES_BEFORE_LOCKOUT=${LIMITS.LOGIN_FAILURES_BEFORE_LOCKOUT} failures there, not for its owner elsewhere`, async () => {
    const email = `locked-${RUN}@example.org`;
    const password = `right-password-${RUN}`;
    secrets.push(password);
    const created = await viaProxy("/api/admin/users", "198.51.100.1", {
      method: "POST",
      headers: { cookie: adminCookie, "content-type": "application/json" },
      body: JSON.stringify({ email, name: "Locked commander", password, role: "COMMANDER", scopeLevel: "city" }),
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < LIMITS.LOGIN_FAILURES_BEFORE_LOCKOUT; i++) {
      expect((await login(email, `nope-${RUN}`, "198.51.100.30", `203.0.113.${i}`)).error).toBe("Wrong email or password.");
    }
    secrets.push(`nope-${RUN}`);
    const locked = await login(email, password, "198.51.100.30");
    expect(locked.sessionCookie).toBeUndefined();
    expect(locked.error).toMatch(THROTTLED);
    expect((await login(email, password, "198.51.100.40")).sessionCookie).toBeDefined();
  });
});

describe("configured limits", () => {
  it(`rate-limits telemetry to TELEMETRY_RATE_PER_SECOND=${LIMITS.TELEMETRY_RATE_PER_SECOND} per vehicle`, async () => {
    const device = { authorization: `Bearer ${vehicle.token}`, "content-type": "application/json" };
    const started = await viaProxy("/api/patrols/start", "198.51.100.3", { method: "POST", headers: device, body: "{}" });
    expect(started.status).toBe(201);
    patrolId = json(started.text).patrolId as number;
    // A burst inside one one-second window; if the burst happened to straddle two windows, measure again.
    for (let attempt = 1; ; attempt++) {
      await new Promise((r) => setTimeout(r, 1_000 - (Date.now() % 1_000) + 20));
      const t0 = Date.now();
      const burst = await Promise.all(
        Array.from({ length: 8 }, () =>
          viaProxy("/api/telemetry", "198.51.100.3", { method: "POST", headers: device, body: JSON.stringify({ patrolId, lat: 9.97, lon: 76.29 }) }),
        ),
      );
      if (Math.floor(t0 / 1_000) !== Math.floor(Date.now() / 1_000) && attempt < 3) continue;
      expect(burst.filter((r) => r.status === 202)).toHaveLength(LIMITS.TELEMETRY_RATE_PER_SECOND);
      const limited = burst.filter((r) => r.status === 429);
      expect(limited).toHaveLength(8 - LIMITS.TELEMETRY_RATE_PER_SECOND);
      expect(json(limited[0]!.text).error.message).toContain(`at most ${LIMITS.TELEMETRY_RATE_PER_SECOND} per second`);
      expect(Number(limited[0]!.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      break;
    }
  });

  it("refuses bodies over REQUEST_BODY_LIMIT_BYTES=4096 and TELEMETRY_BATCH_BODY_LIMIT_BYTES=8192 with 413", async () => {
    const pad = (size: number, fields: Record<string, unknown>) => {
      const head = JSON.stringify({ ...fields, pad: "" });
      return `${head.slice(0, -2)}${"x".repeat(size - head.length)}"}`;
    };
    const device = { authorization: `Bearer ${vehicle.token}`, "content-type": "application/json" };
    const admin = { cookie: adminCookie, "content-type": "application/json" };
    const cases = [
      { path: "/api/telemetry", limit: LIMITS.REQUEST_BODY_LIMIT_BYTES, headers: device },
      { path: "/api/telemetry/batch", limit: LIMITS.TELEMETRY_BATCH_BODY_LIMIT_BYTES, headers: device },
      { path: "/api/admin/districts", limit: LIMITS.REQUEST_BODY_LIMIT_BYTES, headers: admin },
    ];
    for (const { path, limit, headers } of cases) {
      const over = await viaProxy(path, "198.51.100.4", { method: "POST", headers, body: pad(limit + 1, { patrolId }) });
      expect(over.status, path).toBe(413);
      expect(json(over.text).error.message).toContain(`${limit / 1024} KiB`);
      const at = await viaProxy(path, "198.51.100.4", { method: "POST", headers, body: pad(limit, { patrolId }) });
      expect(at.status, path).toBe(400);
    }
  });
});

describe("https deployment", () => {
  it("sets the session cookie __Secure-, Secure, HttpOnly and SameSite=Lax", async () => {
    const attempt = await login(DEMO.station, DEMO.password, "198.51.100.5");
    const session = attempt.setCookies.find((c) => c.startsWith("__Secure-next-auth.session-token="));
    expect(session).toBeDefined();
    const attributes = session!.split(";").map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(["secure", "httponly", "samesite=lax", "path=/"]));
  });

  it("makes browsers upgrade insecure requests and allows only the wss realtime URL and the tile servers", async () => {
    const page = await viaProxy("/login", "198.51.100.6");
    expect(page.status).toBe(200);
    const policy = String(page.headers["content-security-policy"]);
    expect(policy).toContain("upgrade-insecure-requests");
    expect(policy).toMatch(/connect-src 'self' wss:\/\/live\.sentinel\.example\.org(;|$)/);
    expect(policy).toMatch(/img-src 'self' data: blob: https:\/\/\*\.tiles\.example\.org(;|$)/);
  });
});

describe("logs", () => {
  it("never contain a password, a device secret or a hash, even at LOG_LEVEL=debug", async () => {
    // Device secrets: a wrong one, a new vehicle's, and a rotated one.
    const admin = { cookie: adminCookie, "content-type": "application/json" };
    const wrongSecret = `wrong-secret-${RUN}`;
    secrets.push(wrongSecret);
    expect((await viaProxy("/api/vehicles/token", "198.51.100.9", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ vehicleId: vehicle.id, secret: wrongSecret }) })).status).toBe(401);
    const created = await viaProxy("/api/admin/vehicles", "198.51.100.9", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ callSign: `LOG-${RUN.toUpperCase()}`, registration: `KL-LOG-${RUN.toUpperCase()}`, homeStationId: vehicle.homeStationId }),
    });
    expect(created.status).toBe(201);
    const { id, secret } = json(created.text) as { id: number; secret: string };
    const rotated = json((await viaProxy(`/api/admin/vehicles/${id}/secret`, "198.51.100.9", { method: "POST", headers: admin })).text) as { secret: string };
    secrets.push(secret, rotated.secret);
    expect((await viaProxy("/api/vehicles/token", "198.51.100.9", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ vehicleId: id, secret: rotated.secret }) })).status).toBe(200);
    // A password change.
    const user = await prisma.user.findFirstOrThrow({ where: { email: `locked-${RUN}@example.org` } });
    const newPassword = `changed-password-${RUN}`;
    secrets.push(newPassword);
    expect((await viaProxy(`/api/admin/users/${user.id}`, "198.51.100.9", { method: "PATCH", headers: admin, body: JSON.stringify({ password: newPassword }) })).status).toBe(200);

    await new Promise((r) => setTimeout(r, 300));
    // The capture works: the events above were logged…
    expect(output).toContain("login failed");
    expect(output).toContain("vehicle secret rotated");
    // …and nothing secret was.
    for (const s of secrets) expect(output.includes(s), `log contains "${s}"`).toBe(false);
    expect(output).not.toMatch(/\$argon2|sha256:|passwordHash|secretHash/);
    // Field names may be logged ("fields":["password"]), values never.
    expect(output).not.toMatch(/"password":/);
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { PEER_ADDRESS_HEADER } from "@/lib/http/client-address";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { rateLimitKey } from "@/lib/redis/keys";
import { baseUrl, DEMO } from "@/test/support/http";
import { attemptLogin as attemptLoginAt } from "@/test/support/login-attempt";
import { hashPassword } from "./password";
import { WRONG_CREDENTIALS } from "./options";

// Unique per run so this file's accounts and throttle counters never touch the demo logins.
const RUN = randomBytes(3).toString("hex");
const THROTTLED = /^Too many failed attempts (for this account )?from your address\. Try again in \d+ minute\(s\)\.$/;

/**
 * Signs in over HTTP as a browser would, from the client address `ip` (a
 * loopback address of its own: the web server faces clients directly, so the
 * TCP peer is the client and any `X-Forwarded-For` is ignored).
 */
const attemptLogin = (email: string, password: string, ip: string, headers: Record<string, string> = {}) =>
  attemptLoginAt(baseUrl(), email, password, { from: ip, headers });

/** `GET /api/auth/session` with `cookie`: the raw text and the parsed body. */
async function session(cookie: string): Promise<{ text: string; body: any }> {
  const res = await fetch(`${baseUrl()}/api/auth/session`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, body: JSON.parse(text) };
}

/** Wrong-password logins timed per kind of account (pairs), after a few that warm the server up. */
const TIMING_PAIRS = 24;
const TIMING_WARMUP = 4;
/** Largest median gap between existing and missing accounts: "a few milliseconds", or 8 % of the answer time under load. */
const MAX_TIMING_GAP_MS = 3;
const MAX_TIMING_GAP_SHARE = 0.08;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A client IP of our own, so the per-IP counters of other test files stay untouched. */
const testIp = (n: number) => `127.0.1.${n}`;

let redis: RedisClient;
const createdEmails: string[] = [];

/** Creates a commander of this run with `password`, scoped to the Kadavanthra station. */
async function createCommander(label: string, password: string): Promise<string> {
  const station = await prisma.station.findFirstOrThrow({ where: { name: "Kadavanthra" } });
  const email = `login-${label}-${RUN}@sentinel.test`;
  await prisma.user.create({
    data: {
      email,
      name: `Login test ${label}`,
      passwordHash: await hashPassword(password),
      role: "COMMANDER",
      scopeLevel: "station",
      scopeId: station.id,
    },
  });
  createdEmails.push(email);
  return email;
}

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
});

afterAll(async () => {
  // Forget every login failure counted here, so later files start unthrottled.
  const counters = await redis.keys(rateLimitKey(env.REDIS_PREFIX, "login-*", "*", 0));
  if (counters.length) await redis.del(...counters);
  redis.disconnect();
  await prisma.user.deleteMany({ where: { email: { in: createdEmails } } });
  await prisma.$disconnect();
});

describe("login over HTTP (csrf → credentials callback → session)", () => {
  const ip = testIp(10);

  it.each([
    [DEMO.admin, "ADMIN", "city"],
    [DEMO.district, "COMMANDER", "district"],
    [DEMO.zone, "COMMANDER", "zone"],
    [DEMO.division, "COMMANDER", "division"],
    [DEMO.station, "COMMANDER", "station"],
  ] as const)("signs in %s with role %s and scope level %s", async (email, role, level) => {
    const user = await prisma.user.findUniqueOrThrow({ where: { email } });
    const attempt = await attemptLogin(email, DEMO.password, ip);
    expect(attempt.error).toBeNull();
    expect(attempt.sessionCookie).toBeDefined();

    const { text, body } = await session(attempt.sessionCookie!);
    expect(body.user).toMatchObject({ id: user.id, email, name: user.name, role, scope: { level, id: user.scopeId } });
    expect(text).not.toContain(user.passwordHash);
    expect(text).not.toMatch(/argon2|passwordHash|secret/i);
  });

  it("gives the station commander the Kadavanthra station as scope", async () => {
    const kadavanthra = await prisma.station.findFirstOrThrow({ where: { name: "Kadavanthra" } });
    const attempt = await attemptLogin(DEMO.station, DEMO.password, ip);
    const { body } = await session(attempt.sessionCookie!);
    expect(body.user.scope).toEqual({ level: "station", id: kadavanthra.id });
  });

  it("accepts the email in any case and with surrounding spaces", async () => {
    const attempt = await attemptLogin(`  ${DEMO.zone.toUpperCase()} `, DEMO.password, ip);
    expect(attempt.error).toBeNull();
    const { body } = await session(attempt.sessionCookie!);
    expect(body.user.email).toBe(DEMO.zone);
  });

  it("has no session without a session cookie", async () => {
    const res = await fetch(`${baseUrl()}/api/auth/session`);
    expect(await res.json()).toEqual({});
  });
});

describe("refused logins", () => {
  it("refuses a wrong password with a clear message and no session", async () => {
    const attempt = await attemptLogin(DEMO.station, "not-the-password", testIp(20));
    expect(attempt.sessionCookie).toBeUndefined();
    expect(attempt.error).toBe(WRONG_CREDENTIALS);
  });

  it("gives an unknown email the same answer as a wrong password", async () => {
    const attempt = await attemptLogin(`nobody-${RUN}@sentinel.test`, DEMO.password, testIp(21));
    expect(attempt.sessionCookie).toBeUndefined();
    expect(attempt.error).toBe(WRONG_CREDENTIALS);
  });

  it("refuses an empty password and a malformed email without a session", async () => {
    const ip = testIp(22);
    for (const [email, password] of [
      [DEMO.station, ""],
      ["not-an-email", DEMO.password],
    ] as const) {
      const attempt = await attemptLogin(email, password, ip);
      expect(attempt.sessionCookie).toBeUndefined();
      expect(attempt.error).toBe(WRONG_CREDENTIALS);
    }
  });
});

describe("login throttling", () => {
  const limit = env.LOGIN_FAILURES_BEFORE_LOCKOUT;

  it(`after ${limit} failures from one client, refuses that client even the right password — and the owner elsewhere signs in at once`, async () => {
    const password = `right-${RUN}`;
    const [victim, neighbour] = [await createCommander("victim", password), await createCommander("neighbour", password)];
    const attacker = testIp(30);

    for (let i = 0; i < limit; i++) {
      const attempt = await attemptLogin(victim, `wrong-${i}`, attacker);
      expect(attempt.error, `failure ${i + 1}`).toBe(WRONG_CREDENTIALS);
    }

    const locked = await attemptLogin(victim, password, attacker);
    expect(locked.sessionCookie).toBeUndefined();
    expect(locked.error).toMatch(THROTTLED);
    expect(locked.error).toMatch(/for this account .* in 15 minute/);

    // The owner, from their own machine, is not locked out: at once, not after the window.
    const owner = await attemptLogin(victim, password, testIp(31));
    expect(owner.error).toBeNull();
    expect(owner.sessionCookie).toBeDefined();
    // Another account from the attacker's address is not locked either (until the per-IP spray limit).
    const other = await attemptLogin(neighbour, password, attacker);
    expect(other.error).toBeNull();
    expect(other.sessionCookie).toBeDefined();
    // …and the owner's success does not reopen the account to the attacker's address.
    expect((await attemptLogin(victim, password, attacker)).error).toMatch(THROTTLED);
  });

  it("does not lock an account whose failures are interrupted by a successful login", async () => {
    const password = `right-${RUN}`;
    const email = await createCommander("resets", password);
    const ip = testIp(40);
    for (let i = 0; i < limit - 1; i++) expect((await attemptLogin(email, "wrong", ip)).error).toBe(WRONG_CREDENTIALS);
    expect((await attemptLogin(email, password, ip)).sessionCookie).toBeDefined();
    for (let i = 0; i < limit - 1; i++) expect((await attemptLogin(email, "wrong", ip)).error).toBe(WRONG_CREDENTIALS);
    const attempt = await attemptLogin(email, password, ip);
    expect(attempt.error).toBeNull();
    expect(attempt.sessionCookie).toBeDefined();
  });

  it("answers a missing account as slowly as a wrong password for an existing one (no account enumeration by timing)", async () => {
    const existing = await createCommander("timing", `right-${RUN}`);
    const missing = `timing-missing-${RUN}@sentinel.test`;
    // Interleaved pairs, so load from elsewhere on the machine falls on both alike; each client address tries each
    // account fewer times than the limit, so no answer is a (fast) refusal. The first pairs warm the server up.
    const perClient = limit - 1;
    const gaps: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < TIMING_PAIRS + TIMING_WARMUP; i++) {
      const ip = testIp(100 + Math.floor(i / perClient));
      const order = i % 2 === 0 ? ([existing, missing] as const) : ([missing, existing] as const);
      const ms: Record<string, number> = {};
      for (const email of order) {
        const attempt = await attemptLogin(email, `wrong-${i}`, ip);
        expect(attempt.error).toBe(WRONG_CREDENTIALS);
        ms[email] = attempt.ms;
      }
      if (i < TIMING_WARMUP) continue;
      gaps.push(ms[existing]! - ms[missing]!);
      times.push(ms[existing]!, ms[missing]!);
    }
    // Without the dummy verification a missing account answered in 8 ms against 21 ms: a gap of 60 % of the
    // answer time. What is left must be noise: a few milliseconds, or a few percent on a loaded machine.
    const gap = median(gaps);
    const allowed = Math.max(MAX_TIMING_GAP_MS, median(times) * MAX_TIMING_GAP_SHARE);
    console.log(`login timing over ${gaps.length} pairs: median answer ${median(times).toFixed(1)} ms, median gap ${gap.toFixed(2)} ms (allowed ${allowed.toFixed(1)})`);
    expect(Math.abs(gap)).toBeLessThan(allowed);
  });

  it(`slows down one IP after ${limit * 4} failures across accounts`, async () => {
    const ip = testIp(50);
    for (let i = 0; i < limit * 4; i++) {
      expect((await attemptLogin(`spray-${i}-${RUN}@sentinel.test`, "guess", ip)).error).toBe(WRONG_CREDENTIALS);
    }
    const fromThatIp = await attemptLogin(DEMO.zone, DEMO.password, ip);
    expect(fromThatIp.sessionCookie).toBeUndefined();
    expect(fromThatIp.error).toMatch(THROTTLED);

    const elsewhere = await attemptLogin(DEMO.zone, DEMO.password, testIp(51));
    expect(elsewhere.error).toBeNull();
    expect(elsewhere.sessionCookie).toBeDefined();
  });

  it("counts a client's failures against its own address whatever X-Forwarded-For or peer header it sends", async () => {
    const ip = testIp(60);
    for (let i = 0; i < limit * 4; i++) {
      // A fresh claimed address every time: were any of them believed, no address would reach the limit.
      const spoof = { "x-forwarded-for": `203.0.113.${i}`, [PEER_ADDRESS_HEADER]: `192.0.2.${i}`, "x-real-ip": `198.51.100.${i}` };
      expect((await attemptLogin(`spoof-${i}-${RUN}@sentinel.test`, "guess", ip, spoof)).error).toBe(WRONG_CREDENTIALS);
    }
    const fromThatIp = await attemptLogin(DEMO.zone, DEMO.password, ip, { "x-forwarded-for": "203.0.113.250" });
    expect(fromThatIp.sessionCookie).toBeUndefined();
    expect(fromThatIp.error).toMatch(THROTTLED);

    expect((await attemptLogin(DEMO.zone, DEMO.password, testIp(61))).sessionCookie).toBeDefined();
  });
});

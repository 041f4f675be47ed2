import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort, startRedis, startWeb, type Managed, type PrivateRedis } from "@/test/support/stack";
import { call } from "@/test/support/http";
import { TEST_SECRETS } from "@/test/support/secrets";

interface HealthAnswer {
  status: number;
  body: unknown;
  ms: number;
}

/** `GET /api/health` on `base`, timed. */
async function health(base: string): Promise<HealthAnswer> {
  const started = Date.now();
  const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json(), ms: Date.now() - started };
}

/** Polls `GET /api/health` until it answers `status`, for at most `timeoutMs`. */
async function healthBecomes(base: string, status: number, timeoutMs = 15_000): Promise<HealthAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last = await health(base);
  while (last.status !== status && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await health(base);
  }
  return last;
}

describe("GET /api/health", () => {
  it("reports PostgreSQL and Redis ok", async () => {
    const res = await call("/api/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ db: "ok", redis: "ok" });
    expect(res.headers.get("cache-control")).toMatch(/no-store/);
  });
});

describe("GET /api/health when Redis goes away", () => {
  // A web server of its own on a Redis of its own, so stopping that Redis harms no other test.
  let redis: PrivateRedis;
  let web: Managed;
  let base: string;

  beforeAll(async () => {
    redis = await startRedis();
    const port = String(await freePort());
    base = `http://127.0.0.1:${port}`;
    web = await startWeb({
      ...TEST_SECRETS,
      DATABASE_URL: inject("databaseUrl"),
      REDIS_URL: redis.url,
      NEXTAUTH_URL: base,
      PORT: port,
      LOG_LEVEL: "silent",
    });
  });

  afterAll(async () => {
    await web?.stop();
    await redis?.stop();
  });

  it("answers 503 naming Redis quickly, and 200 again once Redis is back", async () => {
    expect(await health(base)).toMatchObject({ status: 200, body: { db: "ok", redis: "ok" } });

    await redis.stop();
    const down = await health(base);
    expect(down).toMatchObject({ status: 503, body: { db: "ok", redis: "down" } });
    expect(down.ms).toBeLessThan(3_000);
    // Still down, still quick: requests do not pile up behind a dead connection.
    const again = await health(base);
    expect(again).toMatchObject({ status: 503, body: { db: "ok", redis: "down" } });
    expect(again.ms).toBeLessThan(3_000);

    await redis.restart();
    expect(await healthBecomes(base, 200)).toMatchObject({ status: 200, body: { db: "ok", redis: "ok" } });
  });
});

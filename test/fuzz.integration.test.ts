import net from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { LiveClient, startSidecar, ticketFor, waitUntil, type Sidecar } from "@/test/support/sidecar";
import { fuzzRequest, Gen, type FuzzContext, type FuzzRequest } from "./support/fuzz-requests";
import { baseUrl, call, DEMO, login } from "./support/http";
import { idleVehicles, type TestVehicle } from "./support/vehicles";

/**
 * 10,000 generated malformed requests against every vehicle and admin
 * endpoint, then WebSocket abuse against the sidecar. Reproducible: the run
 * prints its seed; `FUZZ_SEED=<seed> FUZZ_REQUESTS=<n>` replays it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5e717e1);
const COUNT = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const CONCURRENCY = 20;

/** Row counts of every table the admin and vehicle APIs write. */
async function rowCounts(): Promise<Record<string, number>> {
  const [districts, zones, divisions, stations, vehicles, users, patrols, activePatrols, alerts, statusChanges] = await Promise.all([
    prisma.district.count(),
    prisma.zone.count(),
    prisma.division.count(),
    prisma.station.count(),
    prisma.vehicle.count(),
    prisma.user.count(),
    prisma.patrol.count(),
    prisma.patrol.count({ where: { status: "ACTIVE" } }),
    prisma.alert.count(),
    prisma.patrolStatusChange.count(),
  ]);
  return { districts, zones, divisions, stations, vehicles, users, patrols, activePatrols, alerts, statusChanges };
}

/** The body in a few chunks, without Content-Length (Transfer-Encoding: chunked). */
function chunked(body: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= body.length) return controller.close();
      const size = Math.max(1, Math.ceil(body.length / 4));
      controller.enqueue(body.subarray(offset, offset + size));
      offset += size;
    },
  });
}

/** What came back: a status, or the error that prevented one. */
interface Outcome {
  status?: number;
  error?: string;
  /** Why a non-4xx answer is nevertheless acceptable, when it is. */
  excused?: string;
}

/**
 * Two answers Next.js itself gives, before any route handler runs, to
 * requests carrying its internal routing headers — neither runs our code:
 * `x-middleware-prefetch` → 200 `{}` with `x-middleware-skip: 1`; `rsc` →
 * 307 to the same path with a `_rsc` cache-busting parameter.
 */
function frameworkAnswer(r: FuzzRequest, res: Response, body: string): string | undefined {
  if (res.status === 200 && "x-middleware-prefetch" in r.headers && res.headers.get("x-middleware-skip") === "1" && body === "{}") {
    return "x-middleware-prefetch";
  }
  const location = res.headers.get("location") ?? "";
  if (res.status === 307 && "rsc" in r.headers && new URL(location, baseUrl()).searchParams.has("_rsc")) return "rsc";
  return undefined;
}

let retried = 0;

/**
 * Sends `r`; a connection the server closed after an earlier answer on it
 * (e.g. after refusing an oversize upload), or while a streamed body was still
 * being written (a 431 for oversized headers is answered, and the connection
 * closed, before the body is read — whether the client reads that answer or
 * gets EPIPE is a race), is retried on a fresh one, up to twice, as HTTP
 * clients do (the last time with the body in one piece), and counted.
 */
async function send(r: FuzzRequest): Promise<Outcome> {
  let outcome = await sendOnce(r);
  for (let retry = 0; retry < 2 && outcome.status === undefined && /ECONNRESET|EPIPE|socket|closed/i.test(outcome.error ?? ""); retry++) {
    retried++;
    // The last try sends the same bytes in one piece: a server that answers (401, 431…) before reading a slow
    // chunked body closes the connection, and fetch reports the EPIPE of its next chunk instead of that answer.
    outcome = await sendOnce(retry === 1 ? { ...r, streamed: false } : r);
  }
  return outcome;
}

async function sendOnce(r: FuzzRequest): Promise<Outcome> {
  const init: RequestInit & { duplex?: "half" } = { method: r.method, headers: r.headers, redirect: "manual", signal: AbortSignal.timeout(20_000) };
  if (r.body) {
    init.body = (r.streamed ? chunked(r.body) : r.body) as BodyInit;
    if (r.streamed) init.duplex = "half";
  }
  try {
    const res = await fetch(`${baseUrl()}${r.path}`, init);
    const body = await res.text().catch(() => "");
    return { status: res.status, excused: frameworkAnswer(r, res, body) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { error: `${String(err)}${cause ? ` (${cause.code ?? ""} ${cause.message ?? ""})` : ""}` };
  }
}

describe("HTTP fuzzing of the vehicle and admin APIs", () => {
  let vehicle: TestVehicle;
  let patrolId: number;
  let deviceId: string;
  let observer: RedisClient;
  const published: string[] = [];

  beforeAll(async () => {
    [vehicle] = (await idleVehicles(1)) as [TestVehicle];
    const started = await call("/api/patrols/start", { method: "POST", token: vehicle.token, body: {} });
    patrolId = started.body.patrolId as number;
    // The vehicle is a phone too: OsmAnd requests carry its device id, so only the poison stands between them and the map.
    const issued = await call(`/api/admin/vehicles/${vehicle.id}/device-id`, { method: "POST", client: await login(DEMO.admin) });
    deviceId = issued.body.deviceId as string;
    // Watches every data and control channel (the product never does this): nothing may be published.
    observer = createRedis(inject("redisUrl"));
    await observer.connect();
    observer.on("pmessage", (_pattern: string, channel: string, message: string) => published.push(`${channel}: ${message.slice(0, 200)}`));
    await observer.psubscribe("live:*", "control:*");
  });

  afterAll(async () => {
    observer?.disconnect();
    if (patrolId) await call(`/api/patrols/${patrolId}/stop`, { method: "POST", token: vehicle.token });
  });

  it(
    `answers ${COUNT} malformed requests (seed ${SEED}) with 4xx only, publishes nothing, changes nothing and stays healthy`,
    async () => {
      const [admin, commander] = await Promise.all([login(DEMO.admin), login(DEMO.station)]);
      const ctx: FuzzContext = {
        vehicleId: vehicle.id,
        vehicleToken: vehicle.token,
        patrolId,
        adminCookie: admin.cookie,
        commanderCookie: commander.cookie,
        deviceId,
        bodyLimit: env.REQUEST_BODY_LIMIT_BYTES,
        batchBodyLimit: env.TELEMETRY_BATCH_BODY_LIMIT_BYTES,
      };
      const before = await rowCounts();
      const statuses = new Map<number, number>();
      const excused = new Map<string, number>();
      const failures: string[] = [];
      let next = 0;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < COUNT) {
            const request = fuzzRequest(SEED, next++, ctx);
            const { status, error, excused: why } = await send(request);
            if (status !== undefined) statuses.set(status, (statuses.get(status) ?? 0) + 1);
            if (why) excused.set(why, (excused.get(why) ?? 0) + 1);
            else if (status === undefined || status < 400 || status > 499) failures.push(`${status ?? error} ← ${request.description}`);
          }
        }),
      );
      const seconds = (Date.now() - started) / 1000;
      console.info(
        `fuzz: ${COUNT} requests in ${seconds.toFixed(1)} s (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ` +
          `answered by Next before any handler: ${JSON.stringify(Object.fromEntries(excused))}; retried on a fresh connection: ${retried}`,
      );

      expect(failures.slice(0, 25), `${failures.length} requests were not answered 4xx (replay with FUZZ_SEED=${SEED})`).toEqual([]);
      // The generator reached every kind of refusal.
      for (const status of [400, 401, 403, 404, 405, 409, 413, 415]) expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);

      await observer.ping();
      await new Promise((r) => setTimeout(r, 200));
      expect(published).toEqual([]);
      expect(await rowCounts()).toEqual(before);
      expect((await prisma.patrol.findUniqueOrThrow({ where: { id: patrolId } })).status).toBe("ACTIVE");

      const health = await call("/api/health");
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ db: "ok", redis: "ok" });
      // Still serving real work: the fuzzed vehicle's next position goes through.
      const point = await call("/api/telemetry", { token: vehicle.token, body: { patrolId, lat: 9.97, lon: 76.29 } });
      expect(point.status).toBe(202);
      // And the phone's: a valid OsmAnd point with its device id goes to the same patrol.
      const phone = await fetch(`${baseUrl()}/api/osmand?id=${deviceId}&lat=9.971&lon=76.291`);
      expect(phone.status).toBe(200);
    },
    240_000,
  );
});

describe("WebSocket abuse of the realtime sidecar", () => {
  const HANDSHAKE_TIMEOUT_MS = 1_500;
  const SCOPE = { level: "city", id: null } as const;
  let sidecar: Sidecar;
  let user = 5_000;
  /** A fresh user per connection, so the per-user connection limit never interferes. */
  const connect = async () => {
    const client = await LiveClient.connect(sidecar.url, await ticketFor(SCOPE, ++user));
    await client.snapshot();
    return client;
  };
  const closeWithin = <T>(promise: Promise<T>, ms = 5_000) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not closed within ${ms} ms`)), ms))]);

  /** A raw TCP connection to the sidecar: what it answered, and when it was closed. */
  function rawConnection() {
    const socket = net.connect(sidecar.port, "127.0.0.1");
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
    socket.on("error", () => undefined);
    const opened = Date.now();
    const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - opened)));
    return { socket, closed, received: () => received };
  }

  beforeAll(async () => {
    sidecar = await startSidecar(inject("redisUrl"), { REALTIME_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS) });
  });

  afterAll(async () => {
    await sidecar?.process.stop();
  });

  it("closes a socket that sends an oversize frame with 1009, and text or binary messages with 1003", async () => {
    const oversize = await connect();
    oversize.ws.send("x".repeat(2_048));
    expect((await closeWithin(oversize.closed)).code).toBe(1009);

    const text = await connect();
    text.ws.send("garbage {not json");
    expect(await closeWithin(text.closed)).toEqual({ code: 1003, reason: expect.stringMatching(/receive-only/) as string });

    const binary = await connect();
    binary.ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect((await closeWithin(binary.closed)).code).toBe(1003);
  });

  it("closes 40 sockets that send seeded random text and binary frames", async () => {
    const gen = new Gen(SEED);
    for (let i = 0; i < 40; i++) {
      const client = await connect();
      const size = gen.chance(0.3) ? gen.int(1_025, 4_096) : gen.int(0, 1_024);
      const payload = Buffer.from(Array.from({ length: size }, () => gen.int(0, 255)));
      client.ws.send(gen.chance(0.5) ? payload : payload.toString("latin1"), { binary: gen.chance(0.5) });
      // 1007: a text frame that is not UTF-8.
      expect([1003, 1007, 1009], `frame ${i} (${size} B)`).toContain((await closeWithin(client.closed)).code);
    }
  });

  it("closes sockets that break the WebSocket framing with 1002", async () => {
    const mask = [0x11, 0x22, 0x33, 0x44];
    const frames: Record<string, number[]> = {
      unmasked: [0x81, 0x05, ...Buffer.from("hello")],
      reservedOpcode: [0x83, 0x80, ...mask],
      rsv1WithoutExtension: [0xc1, 0x80, ...mask],
      oversizeControlFrame: [0x89, 0xfe, 0x00, 0x80, ...mask, ...new Array<number>(128).fill(0)],
      fragmentedControlFrame: [0x09, 0x80, ...mask],
      continuationWithoutStart: [0x80, 0x80, ...mask],
    };
    for (const [kind, bytes] of Object.entries(frames)) {
      const client = await connect();
      (client.ws as unknown as { _socket: net.Socket })._socket.write(Buffer.from(bytes));
      expect((await closeWithin(client.closed)).code, kind).toBe(1002);
    }
  });

  it("answers garbage instead of an HTTP request with 400 and closes", async () => {
    for (const garbage of ["GARBAGE\r\n\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "GET /live HTTP/9.9\r\n\r\n", `GET /${"a".repeat(20_000)} HTTP/1.1\r\n\r\n`]) {
      const raw = rawConnection();
      raw.socket.write(Buffer.from(garbage, "latin1"));
      await closeWithin(raw.closed);
      expect(raw.received()).toMatch(/^HTTP\/1\.1 (400|431)/);
    }
  });

  it("refuses an upgrade with a valid ticket but a broken WebSocket handshake", async () => {
    const raw = rawConnection();
    const ticket = await ticketFor(SCOPE, ++user);
    raw.socket.write(
      `GET /live?ticket=${ticket} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: short\r\n\r\n`,
    );
    await closeWithin(raw.closed);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 4\d\d/);
  });

  it(`drops slowloris upgrades and silent connections after REALTIME_HANDSHAKE_TIMEOUT_MS (${HANDSHAKE_TIMEOUT_MS} ms)`, async () => {
    const ticket = await ticketFor(SCOPE, ++user);
    const lines = [`GET /live?ticket=${ticket} HTTP/1.1\r\n`, "Host: x\r\n", "Upgrade: websocket\r\n", "Connection: Upgrade\r\n", "X-Slow: 1\r\n"];
    const slow = Array.from({ length: 10 }, () => {
      const raw = rawConnection();
      let line = 0;
      // One header line every 300 ms, forever: each keeps the connection busy without ever finishing the request.
      const timer = setInterval(() => raw.socket.write(lines[Math.min(line++, lines.length - 1)]!), 300);
      void raw.closed.then(() => clearInterval(timer));
      return raw;
    });
    const silent = Array.from({ length: 10 }, () => rawConnection());
    const lifetimes = await closeWithin(Promise.all([...slow, ...silent].map((r) => r.closed)), HANDSHAKE_TIMEOUT_MS * 4);
    for (const ms of lifetimes) expect(ms).toBeLessThan(HANDSHAKE_TIMEOUT_MS * 3);
  });

  it("keeps a well-behaved client open past the handshake timeout, and the workers healthy after all of the above", async () => {
    const client = await connect();
    await new Promise((r) => setTimeout(r, HANDSHAKE_TIMEOUT_MS * 2));
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    await client.close();

    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${sidecar.httpUrl}/healthz`);
      expect(res.status).toBe(200);
    }
    const fresh = await connect();
    expect((await fresh.snapshot()).scope).toEqual(SCOPE);
    const metrics = await (await fetch(`${sidecar.httpUrl}/metrics`)).text();
    expect(Number(/^sentinel_realtime_refusals_total\{code="CLIENT_MESSAGE"\} (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    await waitUntil(async () => /^sentinel_realtime_connections 1$/m.test(await (await fetch(`${sidecar.httpUrl}/metrics`)).text()), "only the fresh client to remain");
    await fresh.close();
  });
});

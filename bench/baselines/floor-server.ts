// Baseline (c), the ingestion floor: bare node:http + ioredis doing what POST /api/telemetry(/batch) does —
// the same token check, the same zod validation and the same Lua round trip (lib/telemetry/ingest) — minus Next.
// tsx bench/baselines/floor-server.ts --port N   (env as the web server's: REDIS_URL, VEHICLE_TOKEN_SECRET, TELEMETRY_RATE_PER_SECOND)
import http from "node:http";
import { parseArgs } from "node:util";
import { verifyVehicleToken } from "../../lib/auth/tokens";
import { env } from "../../lib/env";
import { AppError } from "../../lib/errors";
import { DEFAULT_MAX_BODY_BYTES, parseWith } from "../../lib/http/handler";
import { redis } from "../../lib/redis/client";
import { ingestTelemetry } from "../../lib/telemetry/ingest";
import { checkSinglePatrol, telemetryBatchSchema, telemetryPointSchema } from "../../lib/telemetry/schema";
import { READY_LINE } from "./cluster";

const { values } = parseArgs({ options: { port: { type: "string" } } });

function readBody(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
      reject(new AppError("UNSUPPORTED_MEDIA_TYPE", "Send JSON."));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) reject(new AppError("PAYLOAD_TOO_LARGE", "Too large."));
      else chunks.push(chunk);
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString()) as unknown);
      } catch {
        reject(new AppError("INVALID_JSON", "The request body is not valid JSON."));
      }
    });
    req.on("error", reject);
  });
}

async function handle(req: http.IncomingMessage): Promise<{ status: number; body: unknown }> {
  const batch = req.url === "/api/telemetry/batch";
  if (req.method !== "POST" || (!batch && req.url !== "/api/telemetry")) return { status: 404, body: { error: { code: "NOT_FOUND" } } };
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!token) throw new AppError("UNAUTHENTICATED", "Send the device token.");
  const device = await verifyVehicleToken(token);
  if (!batch) {
    const point = parseWith(telemetryPointSchema, await readBody(req, DEFAULT_MAX_BODY_BYTES));
    const { stale } = await ingestTelemetry(device, [point]);
    return { status: 202, body: stale ? { ok: true, stale: true } : { ok: true } };
  }
  const { points } = parseWith(telemetryBatchSchema, await readBody(req, env.TELEMETRY_BATCH_BODY_LIMIT_BYTES));
  checkSinglePatrol(points);
  const { published, stale } = await ingestTelemetry(device, points);
  return { status: 202, body: { ok: true, accepted: points.length, published, stale } };
}

const server = http.createServer((req, res) => {
  const answer = ({ status, body }: { status: number; body: unknown }) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  handle(req).then(answer, (err: unknown) =>
    answer(err instanceof AppError ? { status: err.status, body: { error: { code: err.code, message: err.message } } } : { status: 500, body: { error: { code: "INTERNAL" } } }),
  );
});
server.keepAliveTimeout = 5_000;
redis()
  .connect()
  .then(() => server.listen(Number(values.port), "127.0.0.1", () => console.log(READY_LINE)))
  .catch((err: unknown) => {
    console.error("floor server failed to start:", err);
    process.exit(1);
  });
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));

import { NextResponse } from "next/server";
import { authenticateVehicle } from "@/lib/auth/tokens";
import { env } from "@/lib/env";
import { apiRoute, parseBody } from "@/lib/http/handler";
import type { BatchAccepted } from "@/lib/openapi/responses";
import { ingestTelemetry } from "@/lib/telemetry/ingest";
import { checkSinglePatrol, telemetryBatchSchema } from "@/lib/telemetry/schema";

// POST /api/telemetry/batch – up to 500 buffered points of one patrol, validated as a whole and published in ts order
export const POST = apiRoute(async (req) => {
  const device = await authenticateVehicle(req);
  const { points } = await parseBody(req, telemetryBatchSchema, env.TELEMETRY_BATCH_BODY_LIMIT_BYTES);
  checkSinglePatrol(points);
  const { published, stale, withheld } = await ingestTelemetry(device, points);
  const answer: BatchAccepted = { ok: true, accepted: points.length, published, stale, withheld };
  return NextResponse.json(answer, { status: 202 });
});

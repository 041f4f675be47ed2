import { NextResponse } from "next/server";
import { authenticateVehicle } from "@/lib/auth/tokens";
import { apiRoute, parseBody } from "@/lib/http/handler";
import type { TelemetryAccepted } from "@/lib/openapi/responses";
import { ingestTelemetry } from "@/lib/telemetry/ingest";
import { telemetryPointSchema } from "@/lib/telemetry/schema";

// POST /api/telemetry – one position of the calling vehicle's active patrol (hot path: no SQL, one Redis round trip)
export const POST = apiRoute(async (req) => {
  const device = await authenticateVehicle(req);
  const point = await parseBody(req, telemetryPointSchema);
  const { stale, withheld } = await ingestTelemetry(device, [point]);
  const answer: TelemetryAccepted = { ok: true, ...(stale ? { stale: true } : {}), ...(withheld ? { withheld: true } : {}) };
  return NextResponse.json(answer, { status: 202 });
});

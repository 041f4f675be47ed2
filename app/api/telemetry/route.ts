import { NextResponse } from "next/server";
import { authenticateVehicle } from "@/lib/auth/tokens";
import { apiRoute, parseBody } from "@/lib/http/handler";
import type { TelemetryAccepted } from "@/lib/openapi/responses";
import { ingestTelemetry } from "@/lib/telemetry/ingest";
import { telemetryPointSchema } from "@/lib/telemetry/schema";

/** The usual answer, serialised once: most points are neither stale nor withheld. */
const ACCEPTED_BODY = JSON.stringify(accepted(false, false));
const ACCEPTED_INIT: ResponseInit = { status: 202, headers: { "Content-Type": "application/json" } };

function accepted(stale: boolean, withheld: boolean): TelemetryAccepted {
  return { ok: true, ...(stale ? { stale: true } : {}), ...(withheld ? { withheld: true } : {}) };
}

// POST /api/telemetry – one position of the calling vehicle's active patrol (hot path: no SQL, one Redis round trip)
export const POST = apiRoute(async (req) => {
  const device = await authenticateVehicle(req);
  const point = await parseBody(req, telemetryPointSchema);
  const { stale, withheld } = await ingestTelemetry(device, [point]);
  return stale || withheld ? NextResponse.json(accepted(stale > 0, withheld > 0), { status: 202 }) : new Response(ACCEPTED_BODY, ACCEPTED_INIT);
});

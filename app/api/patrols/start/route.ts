import { NextResponse } from "next/server";
import { authenticateVehicle } from "@/lib/auth/tokens";
import { apiRoute, parseOptionalBody } from "@/lib/http/handler";
import { startPatrol, startPatrolSchema } from "@/lib/patrols/start-patrol";

// POST /api/patrols/start – the calling vehicle starts a patrol (default, with no body: for its home station)
export const POST = apiRoute(async (req) => {
  const device = await authenticateVehicle(req);
  const input = await parseOptionalBody(req, startPatrolSchema);
  return NextResponse.json(await startPatrol(device, input), { status: 201 });
});

import { NextResponse } from "next/server";
import { pressSos, sosSchema } from "@/lib/alerts/sos";
import { authenticateVehicle } from "@/lib/auth/tokens";
import { apiRoute, idParam, parseOptionalBody } from "@/lib/http/handler";

// POST /api/patrols/{id}/sos – the vehicle's panic button: an SOS alert to every dashboard covering the patrol
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const patrolId = idParam((await params).id, "patrol");
  const device = await authenticateVehicle(req);
  const body = await parseOptionalBody(req, sosSchema);
  return NextResponse.json(await pressSos(patrolId, device, body), { status: 201 });
});

import { NextResponse } from "next/server";
import { rotateVehicleSecret } from "@/lib/admin/vehicles";
import { userActor } from "@/lib/audit/record";
import { requireAdmin } from "@/lib/auth/session";
import { apiRoute, idParam } from "@/lib/http/handler";

// POST /api/admin/vehicles/{id}/secret – replace a vehicle's device secret and return the new one, once
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const actor = userActor(await requireAdmin(), req);
  const secret = await rotateVehicleSecret(idParam((await params).id, "vehicle"), actor);
  return NextResponse.json(secret, { headers: { "Cache-Control": "no-store" } });
});

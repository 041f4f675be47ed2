import { NextResponse } from "next/server";
import { issueDeviceId } from "@/lib/admin/vehicles";
import { userActor } from "@/lib/audit/record";
import { requireAdmin } from "@/lib/auth/session";
import { apiRoute, idParam } from "@/lib/http/handler";

// POST /api/admin/vehicles/{id}/device-id – issue a new device id for a phone or GPS unit (OsmAnd), revoking the old one; shown once
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const actor = userActor(await requireAdmin(), req);
  const issued = await issueDeviceId(idParam((await params).id, "vehicle"), actor);
  return NextResponse.json(issued, { headers: { "Cache-Control": "no-store" } });
});

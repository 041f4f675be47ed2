import { NextResponse } from "next/server";
import { apiRoute, idParam, parseBody } from "@/lib/http/handler";
import { patrolActorOf } from "@/lib/patrols/patrol-actor";
import { setPatrolStatus, setStatusSchema } from "@/lib/patrols/set-status";

// POST /api/patrols/{id}/status – the vehicle, or a commander/admin covering the patrol, sets its duty status
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const patrolId = idParam((await params).id, "patrol");
  const { actor, audit } = await patrolActorOf(req);
  const { status } = await parseBody(req, setStatusSchema);
  return NextResponse.json(await setPatrolStatus(patrolId, status, actor, audit));
});

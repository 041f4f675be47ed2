import { NextResponse } from "next/server";
import { apiRoute, idParam, parseOptionalBody } from "@/lib/http/handler";
import { patrolActorOf } from "@/lib/patrols/patrol-actor";
import { stopPatrol, stopSchema } from "@/lib/patrols/stop-patrol";

// POST /api/patrols/{id}/stop – the owning vehicle, a commander whose scope covers it, or an admin ends a patrol;
// a user may say why (`{reason}`, stored and audited; the crew's device is told who ended it, when and why)
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const patrolId = idParam((await params).id, "patrol");
  const { actor, audit } = await patrolActorOf(req);
  const { reason } = await parseOptionalBody(req, stopSchema);
  return NextResponse.json(await stopPatrol(patrolId, actor, audit, actor.kind === "user" ? reason : undefined));
});

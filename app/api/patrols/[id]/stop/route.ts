import { NextResponse } from "next/server";
import { requestAddress, userActor, type AuditActor } from "@/lib/audit/record";
import { requireUser } from "@/lib/auth/session";
import { authenticateVehicle } from "@/lib/auth/tokens";
import { apiRoute, idParam, parseOptionalBody } from "@/lib/http/handler";
import { stopPatrol, stopSchema, type StopActor } from "@/lib/patrols/stop-patrol";

// POST /api/patrols/{id}/stop – the owning vehicle, a commander whose scope covers it, or an admin ends a patrol;
// a user may say why (`{reason}`, stored and audited; the crew's device is told who ended it, when and why)
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const patrolId = idParam((await params).id, "patrol");
  let actor: StopActor;
  let audit: AuditActor;
  if (req.headers.has("authorization")) {
    actor = { kind: "vehicle", ...(await authenticateVehicle(req)) };
    audit = { userId: null, email: null, ip: requestAddress(req.headers) };
  } else {
    const user = await requireUser();
    actor = { kind: "user", userId: user.id, name: user.name || user.email, role: user.role, scope: user.scope };
    audit = userActor(user, req);
  }
  const { reason } = await parseOptionalBody(req, stopSchema);
  return NextResponse.json(await stopPatrol(patrolId, actor, audit, actor.kind === "user" ? reason : undefined));
});

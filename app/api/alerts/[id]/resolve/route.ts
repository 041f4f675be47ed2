import { NextResponse } from "next/server";
import { changeAlert } from "@/lib/alerts/change-alert";
import { userActor } from "@/lib/audit/record";
import { requireUser } from "@/lib/auth/session";
import { apiRoute, idParam } from "@/lib/http/handler";

// POST /api/alerts/{id}/resolve – a commander covering the alert (or an admin) resolves it; audited
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const user = await requireUser();
  const alertId = idParam((await params).id, "alert");
  return NextResponse.json(await changeAlert(user, alertId, "resolve", userActor(user, req)));
});

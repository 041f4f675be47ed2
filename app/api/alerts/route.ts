import { NextResponse } from "next/server";
import { alertQueryOf, listAlerts } from "@/lib/alerts/list-alerts";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/handler";

// GET /api/alerts?state&from&to – alerts in the caller's jurisdiction, newest first
export const GET = apiRoute(async (req) => {
  const user = await requireUser();
  const items = await listAlerts(user, alertQueryOf(new URL(req.url).searchParams));
  return NextResponse.json({ items }, { headers: { "Cache-Control": "no-store" } });
});

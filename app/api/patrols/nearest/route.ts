import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/handler";
import { nearestQueryOf, nearestUnits } from "@/lib/patrols/nearest";

// GET /api/patrols/nearest?lat&lon[&limit][&status] – the caller's units nearest a place (from Redis, no SQL)
export const GET = apiRoute(async (req) => {
  const user = await requireUser();
  const query = nearestQueryOf(new URL(req.url).searchParams);
  return NextResponse.json({ items: await nearestUnits(user.scope, query) }, { headers: { "Cache-Control": "no-store" } });
});

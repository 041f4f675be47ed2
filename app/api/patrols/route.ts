import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/handler";
import { listPatrols } from "@/lib/patrols/list-patrols";

// GET /api/patrols – active patrols in the caller's jurisdiction, with meta and last position (from Redis, no SQL)
export const GET = apiRoute(async () => {
  const user = await requireUser();
  return NextResponse.json({ items: await listPatrols(user.scope) });
});

import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/session";
import { historyQueryOf } from "@/lib/history/history-params";
import { listHistory } from "@/lib/history/list-history";
import { apiRoute } from "@/lib/http/handler";

// GET /api/patrols/history – patrols in the caller's jurisdiction active during a window, with their stored point counts
export const GET = apiRoute(async (req) => {
  const user = await requireUser();
  return NextResponse.json({ items: await listHistory(user, historyQueryOf(new URL(req.url).searchParams)) });
});

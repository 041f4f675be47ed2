import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/handler";
import { issueRealtimeTicket } from "@/lib/realtime/issue-ticket";

export const dynamic = "force-dynamic";

// GET /api/realtime/ticket – a 60-second ticket for opening the live WebSocket (user session required)
export const GET = apiRoute(async () => {
  const ticket = await issueRealtimeTicket(await requireUser());
  return NextResponse.json(ticket, { headers: { "Cache-Control": "no-store" } });
});

import { NextResponse } from "next/server";
import { listAudit, parseAuditQuery } from "@/lib/audit/list-audit";
import { requireAdmin } from "@/lib/auth/session";
import { apiRoute } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /api/admin/audit?from&to[&userId][&action][&limit][&before] – the audit log, newest first (ADMIN)
export const GET = apiRoute(async (req) => {
  await requireAdmin();
  const page = await listAudit(parseAuditQuery(new URL(req.url).searchParams));
  return NextResponse.json(page, { headers: { "Cache-Control": "no-store" } });
});

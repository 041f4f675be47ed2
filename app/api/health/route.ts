import { NextResponse } from "next/server";
import { checkHealth } from "@/lib/health/check-health";
import { apiRoute } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

// GET /api/health – 200 when PostgreSQL and Redis answer, 503 naming what is down
export const GET = apiRoute(async () => {
  const health = await checkHealth();
  const ok = health.db === "ok" && health.redis === "ok";
  return NextResponse.json(health, { status: ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
});

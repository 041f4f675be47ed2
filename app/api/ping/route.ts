// GET /api/ping – liveness without touching PostgreSQL or Redis (also the benchmark's "trivial route" floor)
export const dynamic = "force-dynamic";

export function GET(): Response {
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
}

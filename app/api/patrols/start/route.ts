import { NextResponse } from "next/server";
import { authenticateVehicle } from "@/lib/auth/tokens";
import { apiRoute, parseBody } from "@/lib/http/handler";
import { startPatrol, startPatrolSchema } from "@/lib/patrols/start-patrol";

// POST /api/patrols/start – the calling vehicle starts a patrol (default: for its home station)
export const POST = apiRoute(async (req) => {
  const device = await authenticateVehicle(req);
  const hasBody = req.headers.get("content-length") !== "0" && req.body !== null;
  const input = hasBody ? await parseBody(req, startPatrolSchema).catch(emptyBodyIsDefault) : {};
  return NextResponse.json(await startPatrol(device, input), { status: 201 });
});

function emptyBodyIsDefault(err: unknown): object {
  if (err instanceof Error && "code" in err && err.code === "INVALID_JSON" && /empty/.test(err.message)) return {};
  throw err;
}

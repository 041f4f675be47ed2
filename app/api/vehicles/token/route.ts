import { NextResponse } from "next/server";
import { apiRoute, parseBody } from "@/lib/http/handler";
import { issueVehicleToken, tokenRequestSchema } from "@/lib/vehicles/issue-token";

// POST /api/vehicles/token – exchange a device secret for a bearer token
export const POST = apiRoute(async (req) => {
  const input = await parseBody(req, tokenRequestSchema);
  return NextResponse.json(await issueVehicleToken(input));
});

import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { apiRoute, isJsonType, readBodyText } from "@/lib/http/handler";
import { ingestOsmand } from "@/lib/osmand/ingest-osmand";
import { parseOsmandFields, parseOsmandJson, type OsmandRequest } from "@/lib/osmand/schema";

/**
 * GET|POST /api/osmand – positions from phones and GPS units in the OsmAnd protocol, as Traccar Client and OsmAnd
 * send them (DESIGN §11): fields in the query string or a form body, or Traccar Client 9+'s JSON. 200 with an empty
 * body when accepted (Traccar Client drops the point from its buffer only then), 400 bad field, 404 unknown device id.
 */
async function handle(req: Request): Promise<Response> {
  await ingestOsmand(await decode(req));
  return new Response(null, { status: 200, headers: { "Cache-Control": "no-store" } });
}

async function decode(req: Request): Promise<OsmandRequest> {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  if (req.method !== "POST") return parseOsmandFields(query);
  const type = req.headers.get("content-type");
  // A JSON body may carry up to 500 locations (a phone emptying its buffer), like a telemetry batch.
  const text = await readBodyText(req, env.TELEMETRY_BATCH_BODY_LIMIT_BYTES);
  // Traccar Client up to 8 POSTs its fields in the query string with no body, whatever it declares.
  if (text.trim() === "") return parseOsmandFields(query);
  if (isJsonType(type)) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AppError("INVALID_JSON", "The request body is not valid JSON.");
    }
    return parseOsmandJson(body);
  }
  if (type && !/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Send OsmAnd fields in the query string or as application/x-www-form-urlencoded, or Traccar Client's JSON (got "${type.slice(0, 60)}").`,
    );
  }
  // Fields in the body win over the same fields in the query string.
  return parseOsmandFields({ ...query, ...Object.fromEntries(new URLSearchParams(text)) });
}

export const GET = apiRoute(handle);
export const POST = apiRoute(handle);

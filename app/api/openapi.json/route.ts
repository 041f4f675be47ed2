import { apiRoute } from "@/lib/http/handler";
import { openApiJson } from "@/lib/openapi/document";

// GET /api/openapi.json – the vehicle API's OpenAPI 3.1 document (public), generated from the schemas the routes validate with
export const GET = apiRoute(async () => {
  return new Response(openApiJson(), {
    headers: {
      "Content-Type": "application/json",
      // The document changes only with a deploy: clients and proxies may keep it for an hour.
      "Cache-Control": "public, max-age=3600",
    },
  });
});

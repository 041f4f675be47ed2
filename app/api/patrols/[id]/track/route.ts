import { userActor } from "@/lib/audit/record";
import { requireUser } from "@/lib/auth/session";
import { trackQueryOf } from "@/lib/history/history-params";
import { readTrack } from "@/lib/history/read-track";
import { apiRoute, idParam } from "@/lib/http/handler";

// GET /api/patrols/{id}/track – one patrol's stored positions as json, geojson, gpx or csv, streamed
export const GET = apiRoute<{ id: string }>(async (req, { params }) => {
  const user = await requireUser();
  const patrolId = idParam((await params).id, "patrol");
  const track = await readTrack(user, patrolId, trackQueryOf(new URL(req.url).searchParams), userActor(user, req));
  const disposition = track.format === "json" ? "inline" : "attachment";
  return new Response(track.body, {
    headers: {
      "Content-Type": track.contentType,
      "Content-Disposition": `${disposition}; filename="${track.filename}"`,
      "Cache-Control": "no-store",
    },
  });
});

import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ReplayView } from "@/components/replay/replay-view";
import { PageHeader } from "@/components/page-header";
import { authenticate, loginPath } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { describeScope } from "@/lib/org/describe-scope";
import { stationsInScope } from "@/lib/org/stations-in-scope";
import "../map/map.css";
import "./replay.css";

export const metadata: Metadata = { title: "Replay" };

// `/replay` – find a patrol of the commander's jurisdiction, play back its stored track, download it.
export default async function ReplayPage() {
  const auth = await authenticate();
  // A refused session (user disabled, scope changed) reaches the login page with the reason, as from the map.
  if (!auth.user) redirect(loginPath("/replay", auth));
  const user = auth.user;
  const [scopeName, stations] = await Promise.all([describeScope(user.scope), stationsInScope(user.scope)]);
  return (
    <div className="map-page">
      <PageHeader title={`Replay · ${scopeName}`} user={user} link={{ href: "/map", label: "Live map" }} />
      <div className="dashboard">
        <ReplayView stations={stations} tileUrl={env.NEXT_PUBLIC_TILE_URL} />
      </div>
    </div>
  );
}

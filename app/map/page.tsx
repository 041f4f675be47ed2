import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LiveDashboard } from "@/components/map/live-dashboard";
import { PageHeader } from "@/components/page-header";
import { authenticate, loginPath } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { describeScope } from "@/lib/org/describe-scope";
import { stationsInScope } from "@/lib/org/stations-in-scope";
import "./map.css";

export const metadata: Metadata = { title: "Live map" };

// `/map` – the commander's live map of their jurisdiction.
export default async function MapPage() {
  const auth = await authenticate();
  if (!auth.user) redirect(loginPath("/map", auth));
  const user = auth.user;
  const [scopeName, stations] = await Promise.all([describeScope(user.scope), stationsInScope(user.scope, { boundaries: true })]);
  return (
    <div className="map-page">
      <a className="skip-link" href="#live-map">
        Skip to map
      </a>
      <PageHeader title={scopeName} user={user} link={{ href: "/replay", label: "Replay" }} />
      <LiveDashboard scope={user.scope} stations={stations} tileUrl={env.NEXT_PUBLIC_TILE_URL} />
    </div>
  );
}

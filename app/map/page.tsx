import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LiveDashboard } from "@/components/map/live-dashboard";
import { SignOutButton } from "@/components/sign-out-button";
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
  const [scopeName, stations] = await Promise.all([describeScope(user.scope), stationsInScope(user.scope)]);
  return (
    <div className="map-page">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" /> Sentinel
        </div>
        <h1 className="scope-title" data-testid="scope-name">
          {scopeName}
        </h1>
        <div className="who">
          <a href="/replay">Replay</a>
          {user.role === "ADMIN" && <a href="/admin">Admin console</a>}
          <bdi data-testid="user-name">{user.name}</bdi>
          <SignOutButton />
        </div>
      </header>
      <LiveDashboard stations={stations} tileUrl={env.NEXT_PUBLIC_TILE_URL} />
    </div>
  );
}

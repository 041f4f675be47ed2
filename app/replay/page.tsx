import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ReplayView } from "@/components/replay/replay-view";
import { SignOutButton } from "@/components/sign-out-button";
import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { describeScope } from "@/lib/org/describe-scope";
import { stationsInScope } from "@/lib/org/stations-in-scope";
import "../map/map.css";
import "./replay.css";

export const metadata: Metadata = { title: "Replay" };

// `/replay` – find a patrol of the commander's jurisdiction, play back its stored track, download it.
export default async function ReplayPage() {
  const user = await currentUser();
  if (!user) redirect("/login?callbackUrl=/replay");
  const [scopeName, stations] = await Promise.all([describeScope(user.scope), stationsInScope(user.scope)]);
  return (
    <div className="map-page">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" /> Sentinel
        </div>
        <h1 className="scope-title">Replay · {scopeName}</h1>
        <div className="who">
          <a href="/map">Live map</a>
          {user.role === "ADMIN" && <a href="/admin">Admin console</a>}
          <span>{user.name}</span>
          <SignOutButton />
        </div>
      </header>
      <div className="dashboard">
        <ReplayView stations={stations} tileUrl={env.NEXT_PUBLIC_TILE_URL} />
      </div>
    </div>
  );
}

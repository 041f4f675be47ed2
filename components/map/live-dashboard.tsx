"use client";

import dynamic from "next/dynamic";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useStore } from "zustand";
import type { StationPin } from "@/lib/org/stations-in-scope";
import type { PatrolView } from "@/lib/realtime/protocol";
import type { Scope } from "@/lib/scope";
import { createFleetStore, freshnessOf, FrameBatcher, type ConnectionStatus, type FleetStore } from "./fleet-store";
import { openLiveConnection } from "./live-connection";
import { PatrolSidebar } from "./patrol-sidebar";
import { useFleetSnapshot } from "./use-fleet-snapshot";

// Leaflet touches `window` on import: load the map in the browser only.
const LiveMapView = dynamic(() => import("./live-map-view"), { ssr: false, loading: () => <div className="live-map loading">Loading map…</div> });

const STATUS_LABEL: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

declare global {
  interface Window {
    /** The page's fleet store, for diagnostics and end-to-end tests. */
    __sentinelFleet?: FleetStore;
    /** The page's Leaflet map, for diagnostics and end-to-end tests. */
    __sentinelMap?: import("leaflet").Map;
    /** The map's trails, for diagnostics and end-to-end tests. */
    __sentinelTrails?: import("./trail-layer").TrailLayer;
  }
}

export interface LiveDashboardProps {
  /** The scope the page was rendered for (its title and station pins). */
  scope: Scope;
  stations: StationPin[];
  tileUrl: string;
}

/** The live map page's client island: store, connection, counts, sidebar and map. */
export function LiveDashboard({ scope, stations, tileUrl }: LiveDashboardProps) {
  const [store] = useState(createFleetStore);
  const router = useRouter();
  const status = useStore(store, (s) => s.status);
  // An administrator changed this user's access while the page was open: the feed already follows the new scope.
  // (Compared here, not with lib/scope's sameScope: that module brings zod, whose eval probe the page's CSP reports.)
  const rescoped = useStore(store, (s) => s.scope !== null && (s.scope.level !== scope.level || s.scope.id !== scope.id));
  const { patrols, now } = useFleetSnapshot(store);
  const [followId, setFollowId] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [showTrails, setShowTrails] = useState(false);

  useEffect(() => {
    window.__sentinelFleet = store;
    const batcher = new FrameBatcher((frames) => store.getState().applyFrames(frames));
    return openLiveConnection({
      onFrame: (frame) => batcher.push(frame),
      onStatus: (s) => store.getState().setStatus(s),
      // 4401: the account was disabled or deleted, or the session refused: the login page says so.
      onUnauthorized: () => router.replace("/login?callbackUrl=%2Fmap&error=SessionRevoked"),
    });
  }, [store, router]);

  const names = useMemo(() => new Map(stations.map((s) => [s.id, s.name])), [stations]);
  const stationName = useCallback((id: number) => names.get(id) ?? `Station #${id}`, [names]);
  const counts = useMemo(() => {
    const c = { live: 0, stale: 0, offline: 0 };
    for (const p of patrols) c[freshnessOf(p.last, now)]++;
    return c;
  }, [patrols, now]);

  async function stop(p: PatrolView) {
    if (!window.confirm(`Stop patrol ${p.callSign}? The vehicle will disappear from every map.`)) return;
    // The server refuses a change without a JSON content type (a cross-site form cannot send one).
    const res = await fetch(`/api/patrols/${p.patrolId}/stop`, { method: "POST", headers: { "content-type": "application/json" } });
    if (res.ok) {
      setNotice(`Patrol ${p.callSign} stopped.`);
      if (followId === p.patrolId) setFollowId(null);
    } else {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      setNotice(body?.error?.message ?? `Could not stop ${p.callSign} (HTTP ${res.status}).`);
    }
  }

  return (
    <div className="dashboard">
      <div className="statusbar" role="status" aria-live="polite">
        <span className={`badge ${status}`} data-testid="connection-status" data-status={status}>
          {STATUS_LABEL[status]}
        </span>
        <span className="count live" data-testid="count-live">
          {counts.live} live
        </span>
        <span className="count stale" data-testid="count-stale">
          {counts.stale} stale
        </span>
        <span className="count offline" data-testid="count-offline">
          {counts.offline} offline
        </span>
        <label className="trails-toggle">
          <input type="checkbox" checked={showTrails} onChange={(e) => setShowTrails(e.target.checked)} data-testid="trails-toggle" /> Trails (5 min)
        </label>
        {notice && (
          <span className="notice">
            {notice}{" "}
            <button type="button" className="ghost small" onClick={() => setNotice(null)} aria-label="Dismiss">
              ×
            </button>
          </span>
        )}
      </div>
      {rescoped && (
        <p className="access-changed" role="alert" data-testid="access-changed">
          An administrator changed your access: the map now shows only what you may see. Station names and pins update
          when you sign in again.
        </p>
      )}
      <div className="dashboard-body">
        <PatrolSidebar patrols={patrols} now={now} stationName={stationName} followId={followId} onFollow={setFollowId} onStop={(p) => void stop(p)} />
        <LiveMapView
          store={store}
          stations={stations}
          tileUrl={tileUrl}
          followId={followId}
          onSelect={setFollowId}
          onUserPan={() => setFollowId(null)}
          showTrails={showTrails}
        />
      </div>
    </div>
  );
}

"use client";

import dynamic from "next/dynamic";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useStore } from "zustand";
import type { StationPin } from "@/lib/org/stations-in-scope";
import type { AlertView, PatrolView, UnitStatus } from "@/lib/realtime/protocol";
import type { Scope } from "@/lib/scope";
import { AlertsPanel } from "./alerts-panel";
import { changeAlert, setPatrolStatus } from "./control-room-api";
import { clockTime, DUTY, formatDuration } from "./control-room-format";
import { alertsInOrder, createFleetStore, freshnessOf, FrameBatcher, type ConnectionStatus, type FleetStore, type Freshness } from "./fleet-store";
import { openLiveConnection } from "./live-connection";
import type { MapFocus } from "./live-map-view";
import { NearestUnitsPanel } from "./nearest-units-panel";
import { PatrolSidebar } from "./patrol-sidebar";
import { NO_FILTER, type PatrolFilter } from "./patrol-triage";
import { SosBanner } from "./sos-banner";
import { StopPatrolDialog } from "./stop-patrol-dialog";
import { useFleetSnapshot } from "./use-fleet-snapshot";

// Leaflet touches `window` on import: load the map in the browser only.
const LiveMapView = dynamic(() => import("./live-map-view"), { ssr: false, loading: () => <div className="live-map loading">Loading map…</div> });

const STATUS_LABEL: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline — waiting for the network",
};

/** How long the "Reconnected after …" notice stays: 20 s. */
const GAP_NOTICE_MS = 20_000;

const FRESHNESS: { key: Freshness; label: string }[] = [
  { key: "live", label: "live" },
  { key: "stale", label: "stale" },
  { key: "offline", label: "offline" },
];

declare global {
  interface Window {
    /** The page's fleet store, for diagnostics and end-to-end tests. */
    __sentinelFleet?: FleetStore;
    /** The page's Leaflet map, for diagnostics and end-to-end tests. */
    __sentinelMap?: import("leaflet").Map;
    /** The map's trails, for diagnostics and end-to-end tests. */
    __sentinelTrails?: import("./trail-layer").TrailLayer;
    /** The map's vehicle markers, for diagnostics and end-to-end tests. */
    __sentinelVehicles?: import("./vehicle-layer").VehicleLayer;
    /** How many station boundaries the map draws, for diagnostics and end-to-end tests. */
    __sentinelBoundaries?: number;
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
  const lastFrameAt = useStore(store, (s) => s.lastFrameAt);
  const lastGap = useStore(store, (s) => s.lastGap);
  // An administrator changed this user's access while the page was open: the feed already follows the new scope.
  // (Compared here, not with lib/scope's sameScope: that module brings zod, whose eval probe the page's CSP reports.)
  const rescoped = useStore(store, (s) => s.scope !== null && (s.scope.level !== scope.level || s.scope.id !== scope.id));
  const { patrols, now } = useFleetSnapshot(store);
  const [followId, setFollowId] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [showTrails, setShowTrails] = useState(false);
  const alertMap = useStore(store, (s) => s.alerts);
  const alerts = useMemo(() => alertsInOrder(alertMap), [alertMap]);
  const openSos = useMemo(() => alerts.filter((a) => a.kind === "SOS" && a.state === "OPEN"), [alerts]);
  const openCount = alerts.filter((a) => a.state === "OPEN").length;
  const [showAlerts, setShowAlerts] = useState(false);
  const [alertBusy, setAlertBusy] = useState<ReadonlySet<number>>(new Set());
  const [settingStatus, setSettingStatus] = useState<ReadonlySet<number>>(new Set());
  const [focus, setFocus] = useState<MapFocus | null>(null);
  const [probe, setProbe] = useState<{ lat: number; lon: number } | null>(null);
  const [filter, setFilter] = useState<PatrolFilter>(NO_FILTER);
  const [stopping, setStopping] = useState<PatrolView | null>(null);
  /** The outages (by `endedAt`) whose notice has timed out, and whose followed trail was filled from the stored track. */
  const [gapHiddenAt, setGapHiddenAt] = useState<number | null>(null);
  const [gapRefilledAt, setGapRefilledAt] = useState<number | null>(null);

  useEffect(() => {
    window.__sentinelFleet = store;
    const batcher = new FrameBatcher((frames) => store.getState().applyFrames(frames));
    return openLiveConnection({
      onFrame: (frame) => batcher.push(frame),
      onStatus: (s, at) => store.getState().setStatus(s, at),
      onReconnected: (ms) => store.getState().noteGap(ms),
      // 4401: the account was disabled or deleted, or the session refused: the login page says so.
      onUnauthorized: () => router.replace("/login?callbackUrl=%2Fmap&error=SessionRevoked"),
    });
  }, [store, router]);

  useEffect(() => {
    if (!lastGap) return;
    const hide = setTimeout(() => setGapHiddenAt(lastGap.endedAt), GAP_NOTICE_MS);
    return () => clearTimeout(hide);
  }, [lastGap]);
  const onTrailRefilled = useCallback(() => setGapRefilledAt(store.getState().lastGap?.endedAt ?? null), [store]);
  const gapNotice = lastGap && lastGap.endedAt !== gapHiddenAt ? { ms: lastGap.ms, refilled: lastGap.endedAt === gapRefilledAt } : null;

  // Esc stops following, wherever the focus is, except where Esc already means something (a field, a dialog, a menu).
  useEffect(() => {
    if (followId === null) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      if (e.target instanceof Element && e.target.closest("dialog, [role=menu], input, textarea, select")) return;
      setFollowId(null);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [followId]);

  const names = useMemo(() => new Map(stations.map((s) => [s.id, s.name])), [stations]);
  const stationName = useCallback((id: number) => names.get(id) ?? `Station #${id}`, [names]);
  const counts = useMemo(() => {
    const c = { live: 0, stale: 0, offline: 0 };
    for (const p of patrols) c[freshnessOf(p.last, now)]++;
    return c;
  }, [patrols, now]);

  function stopped(p: PatrolView) {
    setStopping(null);
    setNotice(`Patrol ${p.callSign} stopped.`);
    if (followId === p.patrolId) setFollowId(null);
  }

  const followed = followId === null ? undefined : patrols.find((p) => p.patrolId === followId);
  const lost = (status === "reconnecting" || status === "offline") && lastFrameAt !== null;

  /** Centres on an alert's unit: follows it while it is on the map, else shows where the alert was raised. */
  const showAlert = useCallback(
    (alert: AlertView) => {
      if (store.getState().patrols.get(alert.patrolId)?.last) return setFollowId(alert.patrolId);
      setFollowId(null);
      if (alert.lat !== null && alert.lon !== null) setFocus((f) => ({ lat: alert.lat!, lon: alert.lon!, seq: (f?.seq ?? 0) + 1 }));
      else setNotice(`${alert.callSign} has no known position.`);
    },
    [store],
  );

  // A new SOS (raised now, or open when the page connected) brings its unit to the centre, once.
  const centred = useRef(new Set<number>());
  useEffect(() => {
    const fresh = openSos.filter((a) => !centred.current.has(a.alertId));
    for (const a of fresh) centred.current.add(a.alertId);
    const newest = fresh.at(-1);
    if (newest) showAlert(newest);
  }, [openSos, showAlert]);

  async function actOnAlert(alert: AlertView, action: "ack" | "resolve") {
    setAlertBusy((b) => new Set(b).add(alert.alertId));
    // The banner and the panel change when the ALERT frame arrives, on this dashboard as on every other one.
    const result = await changeAlert(alert, action);
    setAlertBusy((b) => {
      const next = new Set(b);
      next.delete(alert.alertId);
      return next;
    });
    if (!result.ok) setNotice(result.message);
  }

  async function setStatus(p: PatrolView, status: UnitStatus) {
    setSettingStatus((b) => new Set(b).add(p.patrolId));
    const result = await setPatrolStatus(p.patrolId, status, p.callSign);
    setSettingStatus((b) => {
      const next = new Set(b);
      next.delete(p.patrolId);
      return next;
    });
    setNotice(result.ok ? `${p.callSign}: ${DUTY[status].label}.` : result.message);
  }

  return (
    <div className="dashboard">
      <div className="statusbar">
        <span className={lost ? `badge lost ${status}` : `badge ${status}`} role="status" data-testid="connection-status" data-status={status}>
          {lost ? (
            <>
              Connection lost — last update <time dateTime={new Date(lastFrameAt).toISOString()}>{clockTime(lastFrameAt)}</time>
              <span className="badge-detail">{STATUS_LABEL[status]}</span>
            </>
          ) : (
            STATUS_LABEL[status]
          )}
        </span>
        <div className="counts" role="group" aria-label="Show only vehicles that are">
          {FRESHNESS.map(({ key, label }) => (
            <button
              key={key}
              type="button"
              className={`count ${key}`}
              aria-pressed={filter.freshness === key}
              onClick={() => setFilter((f) => ({ ...f, freshness: f.freshness === key ? null : key }))}
              data-testid={`count-${key}`}
            >
              <span className={`glyph ${key}`} aria-hidden="true" />
              {counts[key]} {label}
            </button>
          ))}
        </div>
        {lost && (
          <span className="muted frozen-note" data-testid="ageing-frozen">
            Vehicle ages paused until the connection is back
          </span>
        )}
        <label className="trails-toggle">
          <input type="checkbox" checked={showTrails} onChange={(e) => setShowTrails(e.target.checked)} data-testid="trails-toggle" /> Trails (5 min)
        </label>
        <button
          type="button"
          className={openCount > 0 ? "ghost small alerts-toggle attention" : "ghost small alerts-toggle"}
          aria-expanded={showAlerts}
          aria-controls="alerts-panel"
          onClick={() => setShowAlerts((v) => !v)}
          data-testid="alerts-toggle"
          aria-label={`Alerts: ${openCount} open, ${alerts.length - openCount} acknowledged`}
        >
          Alerts{" "}
          <span className="alert-count" data-testid="alert-count">
            {openCount}
          </span>
          {alerts.length > openCount && <span className="muted"> +{alerts.length - openCount} ack</span>}
        </button>
        <span className="notices" role="status">
        {gapNotice && (
          <span className="gap-notice" data-testid="gap-notice">
            Reconnected after {formatDuration(gapNotice.ms)}
            {gapNotice.refilled ? " — followed trail refilled" : " — positions updated"}
          </span>
        )}
        {notice && (
          <span className="notice">
            {notice}{" "}
            <button type="button" className="ghost small" onClick={() => setNotice(null)} aria-label="Dismiss">
              ×
            </button>
          </span>
        )}
        </span>
      </div>
      {rescoped && (
        <p className="access-changed" role="alert" data-testid="access-changed">
          An administrator changed your access: the map now shows only what you may see. Station names and pins update
          when you sign in again.
        </p>
      )}
      <SosBanner alerts={openSos} stationName={stationName} busy={alertBusy} onAction={(a, action) => void actOnAlert(a, action)} onShow={showAlert} />
      <div className={showAlerts ? "dashboard-body with-alerts" : "dashboard-body"}>
        <PatrolSidebar
          patrols={patrols}
          now={now}
          stationName={stationName}
          followId={followId}
          onFollow={setFollowId}
          onStop={setStopping}
          filter={filter}
          onFilter={setFilter}
          onSetStatus={(p, s) => void setStatus(p, s)}
          settingStatus={settingStatus}
        />
        <div className="map-area">
          {followed && (
            <div className="follow-bar" data-testid="follow-bar">
              Following <bdi className="call-sign">{followed.callSign}</bdi>
              <button type="button" className="small" onClick={() => setFollowId(null)} data-testid="stop-following">
                Stop following <kbd>Esc</kbd>
              </button>
            </div>
          )}
          <LiveMapView
            store={store}
            stations={stations}
            tileUrl={tileUrl}
            followId={followId}
            onSelect={setFollowId}
            onUserPan={() => setFollowId(null)}
            showTrails={showTrails}
            focus={focus}
            probe={probe}
            onProbe={(lat, lon) => setProbe({ lat, lon })}
            filter={filter}
            stationName={stationName}
            onTrailRefilled={onTrailRefilled}
          />
          {probe && <NearestUnitsPanel key={`${probe.lat},${probe.lon}`} point={probe} onClose={() => setProbe(null)} onSent={setNotice} />}
        </div>
        {showAlerts && (
          <AlertsPanel
            alerts={alerts}
            stationName={stationName}
            busy={alertBusy}
            onAction={(a, action) => void actOnAlert(a, action)}
            onShow={showAlert}
            onClose={() => setShowAlerts(false)}
          />
        )}
      </div>
      {stopping && <StopPatrolDialog patrol={stopping} stationName={stationName} onCancel={() => setStopping(null)} onStopped={() => stopped(stopping)} />}
    </div>
  );
}

"use client";

import { useEffect, useState } from "react";
import { DUTY, formatDistance } from "./control-room-format";
import { DutyBadge } from "./duty-badge";
import type { NearestUnit } from "@/lib/patrols/nearest";
import { nearestUnits, setPatrolStatus } from "./control-room-api";

export interface NearestUnitsPanelProps {
  /** The point right-clicked (or long-pressed) on the map. */
  point: { lat: number; lon: number };
  onClose(): void;
  /** A unit was sent: the dashboard says so. */
  onSent(message: string): void;
}

type Listing = { state: "loading" } | { state: "error"; message: string } | { state: "done"; items: NearestUnit[] };

/** Identifies one query: a listing answers the query it was fetched for, or the panel is still loading. */
const queryKey = (point: { lat: number; lon: number }, onlyAvailable: boolean) => `${point.lat},${point.lon},${onlyAvailable}`;

/**
 * "Nearest units here": the units of the scope nearest the point (available ones by default, any status on
 * request), with their distance, each with a button sending it there (status EN_ROUTE).
 */
export function NearestUnitsPanel({ point, onClose, onSent }: NearestUnitsPanelProps) {
  const [onlyAvailable, setOnlyAvailable] = useState(true);
  const [fetched, setFetched] = useState<{ key: string; listing: Listing } | null>(null);
  const [sending, setSending] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = queryKey(point, onlyAvailable);
  const listing: Listing = fetched?.key === key ? fetched.listing : { state: "loading" };
  const setListing = (update: (l: Listing) => Listing) => setFetched((f) => (f ? { ...f, listing: update(f.listing) } : f));

  useEffect(() => {
    let current = true;
    void nearestUnits(point.lat, point.lon, onlyAvailable).then((result) => {
      const next: Listing = result.ok ? { state: "done", items: result.body.items } : { state: "error", message: result.message };
      if (current) setFetched({ key: queryKey(point, onlyAvailable), listing: next });
    });
    return () => {
      current = false;
    };
  }, [point, onlyAvailable]);

  async function send(unit: NearestUnit) {
    setSending(unit.patrolId);
    setError(null);
    const result = await setPatrolStatus(unit.patrolId, "EN_ROUTE", unit.callSign);
    setSending(null);
    if (!result.ok) return setError(result.message);
    setListing((l) => (l.state === "done" ? { ...l, items: l.items.map((u) => (u.patrolId === unit.patrolId ? { ...u, status: result.body.status } : u)) } : l));
    onSent(`${unit.callSign} is on its way (${formatDistance(unit.distanceM)}).`);
  }

  return (
    <section className="nearest-panel" aria-labelledby="nearest-title" data-testid="nearest-panel" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div className="nearest-head">
        <h2 id="nearest-title">Nearest units here</h2>
        <button type="button" className="ghost small" onClick={onClose} aria-label="Close nearest units">
          ×
        </button>
      </div>
      <p className="muted nearest-point">
        {point.lat.toFixed(5)}, {point.lon.toFixed(5)}
      </p>
      <label className="nearest-any">
        <input type="checkbox" checked={!onlyAvailable} onChange={(e) => {
            setError(null);
            setOnlyAvailable(!e.target.checked);
          }}
        /> Any status (not only available)
      </label>
      {listing.state === "loading" && <p className="muted">Looking for units…</p>}
      {listing.state === "error" && (
        <p className="alert" role="alert">
          {listing.message}
        </p>
      )}
      {listing.state === "done" && listing.items.length === 0 && (
        <p className="muted">{onlyAvailable ? "No available unit with a position in your jurisdiction." : "No unit with a position in your jurisdiction."}</p>
      )}
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {listing.state === "done" && listing.items.length > 0 && (
        <ol className="nearest-list">
          {listing.items.map((u) => (
            <li key={u.patrolId} data-testid="nearest-unit" data-patrol-id={u.patrolId}>
              <span className="nearest-unit">
                <bdi className="call-sign">{u.callSign}</bdi>
                <DutyBadge status={u.status} silent />
                <span className="muted">{DUTY[u.status].label}</span>
                <span className="nearest-distance">{formatDistance(u.distanceM)}</span>
              </span>
              <button type="button" className="small primary" disabled={sending !== null || u.status === "EN_ROUTE"} onClick={() => void send(u)} aria-label={`Send ${u.callSign} (EN_ROUTE)`}>
                Send (EN_ROUTE)
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

"use client";

import { useMemo, useState } from "react";
import { UNIT_STATUSES, type PatrolView, type UnitStatus } from "@/lib/realtime/protocol";
import { DUTY } from "./control-room-format";
import { DutyBadge } from "./duty-badge";
import { freshnessOf } from "./fleet-store";

type SortKey = "callSign" | "station" | "speed" | "lastSeen";

/** "12 s ago", "3 min ago", "2 h ago". */
export function ago(ts: number, now: number): string {
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export interface PatrolSidebarProps {
  patrols: PatrolView[];
  now: number;
  stationName(stationId: number): string;
  followId: number | null;
  onFollow(patrolId: number): void;
  onStop(patrol: PatrolView): void;
  /** The commander sets a unit's duty status; the list shows it when the STATUS frame arrives. */
  onSetStatus(patrol: PatrolView, status: UnitStatus): void;
  /** Patrols with a status change in flight: their control waits. */
  settingStatus: ReadonlySet<number>;
}

/** The scope's patrols: searchable, sortable, filtered by duty status; a click centres and follows one. */
export function PatrolSidebar({ patrols, now, stationName, followId, onFollow, onStop, onSetStatus, settingStatus }: PatrolSidebarProps) {
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<SortKey>("callSign");
  const [duty, setDuty] = useState<UnitStatus | null>(null);
  const dutyCounts = useMemo(() => {
    const c: Record<UnitStatus, number> = { AVAILABLE: 0, EN_ROUTE: 0, ON_SCENE: 0, BUSY: 0 };
    for (const p of patrols) c[p.status]++;
    return c;
  }, [patrols]);
  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const filtered = patrols.filter(
      (p) => (duty === null || p.status === duty) && (!q || p.callSign.toLowerCase().includes(q) || stationName(p.stationId).toLowerCase().includes(q)),
    );
    const by: Record<SortKey, (a: PatrolView, b: PatrolView) => number> = {
      callSign: (a, b) => a.callSign.localeCompare(b.callSign),
      station: (a, b) => stationName(a.stationId).localeCompare(stationName(b.stationId)) || a.callSign.localeCompare(b.callSign),
      speed: (a, b) => (b.last?.speed ?? -1) - (a.last?.speed ?? -1),
      lastSeen: (a, b) => (b.last?.ts ?? 0) - (a.last?.ts ?? 0),
    };
    return filtered.sort(by[sort]);
  }, [patrols, query, sort, stationName, duty]);

  return (
    <aside className="sidebar" aria-label="Patrols">
      <div className="sidebar-tools">
        <h2>
          Patrols <span data-testid="patrol-count">{patrols.length}</span>
        </h2>
        <label className="sr-only" htmlFor="patrol-search">
          Search patrols
        </label>
        <input id="patrol-search" type="search" placeholder="Search call sign or station" value={query} onChange={(e) => setQuery(e.target.value)} />
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            <option value="callSign">Call sign</option>
            <option value="station">Station</option>
            <option value="speed">Speed</option>
            <option value="lastSeen">Last seen</option>
          </select>
        </label>
        <div className="duty-filter" role="group" aria-label="Filter by status">
          <button type="button" className="chip" aria-pressed={duty === null} onClick={() => setDuty(null)} data-testid="duty-filter-all">
            All <span className="chip-count">{patrols.length}</span>
          </button>
          {UNIT_STATUSES.map((s) => (
            <button key={s} type="button" className="chip" aria-pressed={duty === s} onClick={() => setDuty(duty === s ? null : s)} data-testid={`duty-filter-${s}`}>
              <DutyBadge status={s} silent />{" "}
              {DUTY[s].label} <span className="chip-count">{dutyCounts[s]}</span>
            </button>
          ))}
        </div>
      </div>
      {patrols.length === 0 && <p className="muted empty">No active patrols in your jurisdiction.</p>}
      {patrols.length > 0 && rows.length === 0 && <p className="muted empty">No patrol matches the search and status filter.</p>}
      <ul className="patrol-list">
        {rows.map((p) => {
          const state = freshnessOf(p.last, now);
          return (
            <li
              key={p.patrolId}
              data-testid="patrol-row"
              data-patrol-id={p.patrolId}
              data-call-sign={p.callSign}
              data-lat={p.last?.lat}
              data-lon={p.last?.lon}
              data-status={state}
              data-duty={p.status}
              className={followId === p.patrolId ? "patrol-row following" : "patrol-row"}
            >
              <button type="button" className="patrol-main" onClick={() => onFollow(p.patrolId)} aria-pressed={followId === p.patrolId}>
                <span className={`dot ${state}`} aria-label={state} />
                <span className="call">
                  <bdi className="call-sign">{p.callSign}</bdi> <DutyBadge status={p.status} />
                </span>
                <bdi className="muted station">{stationName(p.stationId)}</bdi>
                <span className="speed">{p.last?.speed !== undefined ? `${Math.round(p.last.speed * 3.6)} km/h` : "—"}</span>
                <span className="muted seen">{p.last ? ago(p.last.ts, now) : "no position yet"}</span>
              </button>
              <div className="patrol-actions">
                <select
                  className="duty-select"
                  value={p.status}
                  disabled={settingStatus.has(p.patrolId)}
                  onChange={(e) => onSetStatus(p, e.target.value as UnitStatus)}
                  aria-label={`Status of ${p.callSign}`}
                >
                  {UNIT_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {DUTY[s].label}
                    </option>
                  ))}
                </select>
                <button type="button" className="ghost small" onClick={() => onStop(p)} aria-label={`Stop patrol ${p.callSign}`}>
                  Stop
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}

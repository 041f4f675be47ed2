"use client";

import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { UNIT_STATUSES, type PatrolView, type UnitStatus } from "@/lib/realtime/protocol";
import { BatteryState } from "./battery-state";
import { batteryReading, DUTY } from "./control-room-format";
import { DutyBadge } from "./duty-badge";
import { freshnessOf } from "./fleet-store";
import { describeFilter, isFiltered, listedRows, NO_FILTER, patrolComparator, patrolMatcher, SORT_LABEL, stableOrder, type PatrolFilter, type SortKey } from "./patrol-triage";

/** The list re-sorts itself at most this often (default 5 s), and never while the pointer is over it. */
const RESORT_EVERY_MS = 5_000;

/** "12 s ago", "3 min ago", "2 h ago". */
export function ago(ts: number, now: number): string {
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export interface PatrolSidebarProps {
  patrols: PatrolView[];
  /** The ageing clock (it stands still while the dashboard is cut off). */
  now: number;
  stationName(stationId: number): string;
  followId: number | null;
  onFollow(patrolId: number): void;
  /** "Stop patrol…" in a row's menu: the dashboard asks for confirmation. */
  onStop(patrol: PatrolView): void;
  /** The commander sets a unit's duty status; the list shows it when the STATUS frame arrives. */
  onSetStatus(patrol: PatrolView, status: UnitStatus): void;
  /** Patrols with a status change in flight: their control waits. */
  settingStatus: ReadonlySet<number>;
  /** What the list and the map show (search, freshness, duty status). */
  filter: PatrolFilter;
  onFilter(filter: PatrolFilter): void;
}

/** The row order, and what it was sorted for: a new sort or filter re-sorts at once, a new `epoch` when allowed. */
interface HeldOrder {
  ids: number[];
  basis: string;
  epoch: number;
}

/**
 * The scope's patrols: searchable, sortable, filtered; a row centres on its unit and follows it. The list is one
 * tab stop: ↑/↓ (Home/End) move between rows, Enter follows, →/← reach the row's status and actions. Rows keep
 * their places between re-sorts, so a unit is not pulled from under the pointer.
 */
export function PatrolSidebar({ patrols, now, stationName, followId, onFollow, onStop, onSetStatus, settingStatus, filter, onFilter }: PatrolSidebarProps) {
  const [sort, setSort] = useState<SortKey>("callSign");
  const [menuFor, setMenuFor] = useState<number | null>(null);
  const [activeId, setActiveId] = useState<number | null>(null);
  const pointerOver = useRef(false);
  const listRef = useRef<HTMLUListElement>(null);
  const [epoch, setEpoch] = useState(0);

  useEffect(() => {
    const tick = setInterval(() => {
      if (!pointerOver.current) setEpoch((e) => e + 1);
    }, RESORT_EVERY_MS);
    return () => clearInterval(tick);
  }, []);

  const dutyCounts = useMemo(() => {
    const c: Record<UnitStatus, number> = { AVAILABLE: 0, EN_ROUTE: 0, ON_SCENE: 0, BUSY: 0 };
    for (const p of patrols) c[p.status]++;
    return c;
  }, [patrols]);
  const matching = useMemo(() => patrols.filter(patrolMatcher(filter, now, stationName)), [patrols, filter, now, stationName]);
  const compare = useMemo(() => patrolComparator(sort, stationName), [sort, stationName]);

  // The order lives in state, updated while rendering when it changed (React's "previous render" pattern).
  const basis = JSON.stringify([sort, filter]);
  const [held, setHeld] = useState<HeldOrder>(() => ({ ids: stableOrder([], matching, compare, true), basis, epoch }));
  const resort = held.basis !== basis || held.epoch !== epoch;
  const ids = stableOrder(held.ids, matching, compare, resort);
  if (resort || ids.length !== held.ids.length || ids.some((id, i) => held.ids[i] !== id)) setHeld({ ids, basis, epoch });
  const byId = new Map(matching.map((p) => [p.patrolId, p]));
  const rows = ids.flatMap((id) => byId.get(id) ?? []);
  const listed = listedRows(rows, followId);

  // The row that holds the list's one tab stop: the last one focused, else the followed one, else the first.
  const tabRow = listed.some((p) => p.patrolId === activeId) ? activeId : listed.some((p) => p.patrolId === followId) ? followId : (listed[0]?.patrolId ?? null);

  useEffect(() => {
    if (menuFor === null) return;
    const close = (e: PointerEvent) => {
      if (!(e.target instanceof Element && e.target.closest(".row-menu, .row-menu-button"))) setMenuFor(null);
    };
    document.addEventListener("pointerdown", close);
    listRef.current?.querySelector<HTMLElement>(".row-menu [role=menuitem]")?.focus();
    return () => document.removeEventListener("pointerdown", close);
  }, [menuFor]);

  function closeMenu(patrolId: number) {
    setMenuFor(null);
    listRef.current?.querySelector<HTMLElement>(`[data-patrol-id="${patrolId}"] .row-menu-button`)?.focus();
  }

  /** Arrow keys inside the list: rows up and down, controls of a row left and right. */
  function onListKey(e: KeyboardEvent<HTMLUListElement>) {
    if (!(e.target instanceof HTMLElement) || e.target.closest(".row-menu")) return;
    const item = e.target.closest<HTMLElement>("[data-testid=patrol-row]");
    if (!item) return;
    const items = [...(listRef.current?.querySelectorAll<HTMLElement>("[data-testid=patrol-row]") ?? [])];
    const at = items.indexOf(item);
    const controls = [...item.querySelectorAll<HTMLElement>("[data-roving]")];
    const col = controls.indexOf(e.target);
    const isSelect = e.target.tagName === "SELECT";
    let target: HTMLElement | undefined;
    if (e.key === "ArrowDown" && !isSelect) target = items[Math.min(items.length - 1, at + 1)]?.querySelector<HTMLElement>(".patrol-main") ?? undefined;
    else if (e.key === "ArrowUp" && !isSelect) target = items[Math.max(0, at - 1)]?.querySelector<HTMLElement>(".patrol-main") ?? undefined;
    else if (e.key === "Home" && !isSelect) target = items[0]?.querySelector<HTMLElement>(".patrol-main") ?? undefined;
    else if (e.key === "End" && !isSelect) target = items.at(-1)?.querySelector<HTMLElement>(".patrol-main") ?? undefined;
    else if (e.key === "ArrowRight") target = controls[Math.min(controls.length - 1, col + 1)];
    else if (e.key === "ArrowLeft") target = controls[Math.max(0, col - 1)];
    if (!target) return;
    e.preventDefault();
    target.focus();
    target.scrollIntoView({ block: "nearest" });
  }

  const filtered = isFiltered(filter);
  return (
    <aside className="sidebar" aria-label="Patrols">
      <div className="sidebar-tools">
        <h2>
          Patrols{" "}
          <span data-testid="patrol-count" aria-live="polite">
            {filtered ? `${rows.length} of ${patrols.length}` : patrols.length}
          </span>
        </h2>
        <label className="sr-only" htmlFor="patrol-search">
          Search patrols (list and map)
        </label>
        <input
          id="patrol-search"
          type="search"
          placeholder="Search call sign or station"
          value={filter.query}
          onChange={(e) => onFilter({ ...filter, query: e.target.value })}
          data-testid="patrol-search"
        />
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.target.value as SortKey)} data-testid="patrol-sort">
            {(Object.keys(SORT_LABEL) as SortKey[]).map((key) => (
              <option key={key} value={key}>
                {SORT_LABEL[key]}
              </option>
            ))}
          </select>
        </label>
        <div className="duty-filter" role="group" aria-label="Filter by status">
          <button type="button" className="chip" aria-pressed={filter.duty === null} onClick={() => onFilter({ ...filter, duty: null })} data-testid="duty-filter-all">
            All <span className="chip-count">{patrols.length}</span>
          </button>
          {UNIT_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              className="chip"
              aria-pressed={filter.duty === s}
              onClick={() => onFilter({ ...filter, duty: filter.duty === s ? null : s })}
              data-testid={`duty-filter-${s}`}
            >
              <DutyBadge status={s} silent /> {DUTY[s].label} <span className="chip-count">{dutyCounts[s]}</span>
            </button>
          ))}
        </div>
      </div>
      {patrols.length === 0 && <p className="muted empty">No active patrols in your jurisdiction.</p>}
      {patrols.length > 0 && rows.length === 0 && (
        <p className="muted empty" data-testid="empty-filter">
          No patrol {describeFilter(filter)}.{" "}
          <button type="button" className="ghost small" onClick={() => onFilter(NO_FILTER)}>
            {filter.query.trim() && filter.freshness === null && filter.duty === null ? "Clear search" : "Clear filters"}
          </button>
        </p>
      )}
      {rows.length > 0 && (
        <p className="sr-only" id="patrol-list-keys">
          Up and down arrows move between patrols, Enter follows one, right arrow reaches its status and actions.
        </p>
      )}
      <ul
        ref={listRef}
        className="patrol-list"
        aria-label="Patrols"
        aria-describedby={rows.length > 0 ? "patrol-list-keys" : undefined}
        onKeyDown={onListKey}
        onPointerEnter={() => (pointerOver.current = true)}
        onPointerLeave={() => (pointerOver.current = false)}
        data-testid="patrol-list"
      >
        {listed.map((p) => {
          const state = freshnessOf(p.last, now);
          const battery = batteryReading(p.last?.battery);
          const tabStop = p.patrolId === tabRow;
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
              data-battery={battery?.percent}
              className={followId === p.patrolId ? "patrol-row following" : "patrol-row"}
              onFocus={() => setActiveId(p.patrolId)}
            >
              <button type="button" className={battery ? "patrol-main has-battery" : "patrol-main"} onClick={() => onFollow(p.patrolId)} aria-pressed={followId === p.patrolId} tabIndex={tabStop ? 0 : -1} data-roving>
                <span className={`glyph ${state}`} role="img" aria-label={state} />
                <span className="call">
                  <bdi className="call-sign">{p.callSign}</bdi> <DutyBadge status={p.status} />
                </span>
                <bdi className="muted station">{stationName(p.stationId)}</bdi>
                <span className="speed">{p.last?.speed !== undefined ? `${Math.round(p.last.speed * 3.6)} km/h` : "—"}</span>
                <span className="muted seen">{p.last ? ago(p.last.ts, now) : "no position yet"}</span>
                {battery && <BatteryState reading={battery} />}
              </button>
              <div className="patrol-actions">
                <select
                  className="duty-select"
                  value={p.status}
                  disabled={settingStatus.has(p.patrolId)}
                  onChange={(e) => onSetStatus(p, e.target.value as UnitStatus)}
                  aria-label={`Status of ${p.callSign}`}
                  tabIndex={-1}
                  data-roving
                >
                  {UNIT_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {DUTY[s].label}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="ghost small row-menu-button"
                  aria-haspopup="menu"
                  aria-expanded={menuFor === p.patrolId}
                  aria-label={`Actions for ${p.callSign}`}
                  onClick={() => setMenuFor(menuFor === p.patrolId ? null : p.patrolId)}
                  tabIndex={-1}
                  data-roving
                >
                  ⋯
                </button>
                {menuFor === p.patrolId && (
                  <div
                    className="row-menu"
                    role="menu"
                    aria-label={`Actions for ${p.callSign}`}
                    onKeyDown={(e) => {
                      if (e.key === "Escape" || e.key === "Tab") {
                        e.preventDefault();
                        closeMenu(p.patrolId);
                      }
                    }}
                  >
                    <button
                      type="button"
                      role="menuitem"
                      className="danger-text"
                      onClick={() => {
                        setMenuFor(null);
                        onStop(p);
                      }}
                    >
                      Stop patrol…
                    </button>
                  </div>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {listed.length < rows.length && (
        <p className="muted list-limit" data-testid="list-limit">
          Showing the first {listed.length.toLocaleString("en-US")} of {rows.length.toLocaleString("en-US")}. Search or filter to find the others.
        </p>
      )}
    </aside>
  );
}

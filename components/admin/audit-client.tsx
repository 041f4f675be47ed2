"use client";

import { useCallback, useEffect, useId, useState } from "react";
import { AUDIT_ACTIONS } from "@/lib/audit/actions";
import type { AuditItem, AuditPage } from "@/lib/audit/list-audit";
import { adminRequest } from "./admin-api";
import type { UserItem } from "./admin-types";

/** Rows fetched per page: 100. */
const PAGE_SIZE = 100;

interface Filters {
  userId: string;
  action: string;
  /** `datetime-local` values, in the browser's time zone; empty = unbounded. */
  from: string;
  to: string;
}

/** The query string of `GET /api/admin/audit` for `filters`, continuing after `before` when given. */
function auditPath(filters: Filters, before: string | null): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (filters.userId) query.set("userId", filters.userId);
  if (filters.action) query.set("action", filters.action);
  if (filters.from) query.set("from", String(new Date(filters.from).getTime()));
  // The end of the chosen minute, so "to 10:15" includes 10:15:30.
  if (filters.to) query.set("to", String(new Date(filters.to).getTime() + 59_999));
  if (before) query.set("before", before);
  return `/api/admin/audit?${query}`;
}

/** A row's detail as one short line of `key: value` pairs. */
function detailText(detail: unknown): string {
  if (detail === null || typeof detail !== "object") return detail == null ? "" : String(detail);
  return Object.entries(detail as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)}`)
    .join("; ");
}

/**
 * The audit page: every audited action, newest first, filtered by user,
 * action and time window, with older rows a click away. Text from the rows is
 * rendered as text (React escapes it), never as markup.
 */
export function AuditClient({ users }: { users: UserItem[] }) {
  const ids = { user: useId(), action: useId(), from: useId(), to: useId() };
  const [filters, setFilters] = useState<Filters>({ userId: "", action: "", from: "", to: "" });
  const [items, setItems] = useState<AuditItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (wanted: Filters, before: string | null) => {
    setLoading(true);
    const result = await adminRequest<AuditPage>("GET", auditPath(wanted, before));
    setLoading(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    setError(null);
    setItems((shown) => (before ? [...shown, ...result.data.items] : result.data.items));
    setNext(result.data.next);
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- fetching the page for the current filters is this effect's job
    void load(filters, null);
  }, [filters, load]);

  const change = (patch: Partial<Filters>) => setFilters((current) => ({ ...current, ...patch }));

  return (
    <section className="crud-section" aria-labelledby="audit-heading">
      <div className="section-head">
        <div>
          <h1 id="audit-heading" tabIndex={-1} data-focus-fallback>
            Audit
          </h1>
          <p className="muted">Who did what, when and from where: sign-ins, changes to the organisation, vehicles and users, stopped patrols. Newest first; rows are never changed or removed.</p>
        </div>
        <button type="button" className="ghost" onClick={() => void load(filters, null)}>
          Refresh
        </button>
      </div>

      <div className="toolbar" role="search" aria-label="Filter the audit log">
        <div className="toolbar-field">
          <label htmlFor={ids.user}>User</label>
          <select id={ids.user} value={filters.userId} onChange={(e) => change({ userId: e.target.value })}>
            <option value="">Everyone</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor={ids.action}>Action</label>
          <select id={ids.action} value={filters.action} onChange={(e) => change({ action: e.target.value })}>
            <option value="">All actions</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor={ids.from}>From</label>
          <input id={ids.from} type="datetime-local" value={filters.from} onChange={(e) => change({ from: e.target.value })} />
        </div>
        <div className="toolbar-field">
          <label htmlFor={ids.to}>To</label>
          <input id={ids.to} type="datetime-local" value={filters.to} onChange={(e) => change({ to: e.target.value })} />
        </div>
        <p className="toolbar-count muted" data-testid="list-count">
          {loading ? "Loading…" : `${items.length}${next ? "+" : ""} entries`}
        </p>
      </div>

      {error && (
        <div className="alert" role="alert">
          {error}
        </div>
      )}

      {/* The table scrolls inside its frame: the frame takes focus so keyboard users can scroll it too. */}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit log table">
        <table className="data-table" data-testid="audit-table">
          <caption className="visually-hidden">Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">User</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Detail</th>
              <th scope="col">Address</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id} data-row-id={item.id}>
                <td data-label="Time">
                  <time dateTime={new Date(item.at).toISOString()}>{new Date(item.at).toLocaleString()}</time>
                </td>
                <td data-label="User">{item.email ?? (item.userId === null ? <span className="muted">device</span> : `user ${item.userId}`)}</td>
                <td data-label="Action">{item.action}</td>
                <td data-label="Target">{item.target ?? ""}</td>
                <td className="muted" data-label="Detail">{detailText(item.detail)}</td>
                <td className="muted" data-label="Address">{item.ip ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && items.length === 0 && !error && <p className="empty muted">No audit entries match these filters.</p>}
      </div>
      {next && (
        <p>
          <button type="button" className="ghost" disabled={loading} onClick={() => void load(filters, next)}>
            Load older entries
          </button>
        </p>
      )}
    </section>
  );
}

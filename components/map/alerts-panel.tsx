"use client";

import type { AlertView } from "@/lib/realtime/protocol";
import { ALERT_KIND_LABEL, alertDetail, clockTime } from "./control-room-format";

export interface AlertsPanelProps {
  /** Open and acknowledged alerts in scope, oldest first. */
  alerts: AlertView[];
  stationName(stationId: number): string;
  busy: ReadonlySet<number>;
  onAction(alert: AlertView, action: "ack" | "resolve"): void;
  onShow(alert: AlertView): void;
  onClose(): void;
}

/** Every open and acknowledged alert of the scope, of every kind, with Acknowledge and Resolve. */
export function AlertsPanel({ alerts, stationName, busy, onAction, onShow, onClose }: AlertsPanelProps) {
  return (
    <aside id="alerts-panel" className="alerts-panel" aria-label="Alerts" data-testid="alerts-panel">
      <div className="alerts-head">
        <h2>Alerts</h2>
        <button type="button" className="ghost small" onClick={onClose} aria-label="Close the alerts panel">
          ×
        </button>
      </div>
      {alerts.length === 0 && <p className="muted empty">No open alerts in your jurisdiction.</p>}
      <ul className="alert-list">
        {alerts.map((a) => {
          const detail = alertDetail(a);
          return (
            <li key={a.alertId} className={`alert-item ${a.state.toLowerCase()} kind-${a.kind.toLowerCase()}`} data-testid="alert-item" data-alert-id={a.alertId} data-kind={a.kind} data-state={a.state}>
              <p className="alert-title">
                <strong>{ALERT_KIND_LABEL[a.kind]}</strong> <bdi>{a.callSign}</bdi> <time dateTime={new Date(a.at).toISOString()}>{clockTime(a.at)}</time>
              </p>
              <p className="muted alert-facts">
                <bdi>{stationName(a.stationId)}</bdi>
                {detail && ` – ${detail}`}
              </p>
              <p className="alert-state">
                {a.state === "OPEN" ? (
                  "Open"
                ) : (
                  <>
                    Acknowledged{a.by ? " by " : ""}
                    {a.by && <bdi>{a.by}</bdi>} at {clockTime(a.updatedAt)}
                  </>
                )}
              </p>
              <div className="alert-actions">
                <button type="button" className="ghost small" onClick={() => onShow(a)} aria-label={`Show the ${ALERT_KIND_LABEL[a.kind]} alert of ${a.callSign} on the map`}>
                  Show
                </button>
                {a.state === "OPEN" && (
                  <button type="button" className="ghost small" disabled={busy.has(a.alertId)} onClick={() => onAction(a, "ack")} aria-label={`Acknowledge the ${ALERT_KIND_LABEL[a.kind]} alert of ${a.callSign}`}>
                    Ack
                  </button>
                )}
                <button type="button" className="ghost small" disabled={busy.has(a.alertId)} onClick={() => onAction(a, "resolve")} aria-label={`Resolve the ${ALERT_KIND_LABEL[a.kind]} alert of ${a.callSign}`}>
                  Resolve
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}

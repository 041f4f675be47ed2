"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { PatrolView } from "@/lib/realtime/protocol";
import { STOP_REASON_MAX } from "@/lib/patrols/stop-reason";
import { stopPatrol } from "./control-room-api";

export interface StopPatrolDialogProps {
  patrol: PatrolView;
  stationName(stationId: number): string;
  /** Closed without stopping anything (Cancel, Esc). */
  onCancel(): void;
  /** The server ended the patrol. */
  onStopped(): void;
}

/**
 * Asks before ending a patrol: names the unit, takes an optional reason (stored on the patrol and in the audit
 * log; the crew's device is told a commander ended it), and starts on Cancel, so Enter or a double click cannot
 * stop a patrol by accident. A refusal stays in the dialog, in words. A native modal `<dialog>`: the browser traps
 * focus and Esc cancels; focus returns to what opened it.
 */
export function StopPatrolDialog({ patrol, stationName, onCancel, onStopped }: StopPatrolDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const patrolId = patrol.patrolId;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      // Back to what opened it; the row's menu closed meanwhile: its button, or the list when the row is gone.
      const back =
        opener?.isConnected && opener !== document.body
          ? opener
          : (document.querySelector<HTMLElement>(`[data-patrol-id="${patrolId}"] .row-menu-button`) ?? document.querySelector<HTMLElement>(".patrol-list [tabindex='0']"));
      back?.focus();
    };
  }, [patrolId]);

  async function confirm() {
    setBusy(true);
    setError(null);
    const result = await stopPatrol(patrol.patrolId, patrol.callSign, reason);
    setBusy(false);
    if (result.ok) onStopped();
    else setError(result.message);
  }

  return (
    <dialog
      ref={ref}
      className="map-dialog"
      aria-labelledby={titleId}
      data-testid="stop-dialog"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          void confirm();
        }}
      >
        <h2 id={titleId}>
          Stop patrol <bdi>{patrol.callSign}</bdi>?
        </h2>
        <p>
          <bdi>{patrol.callSign}</bdi> (<bdi>{stationName(patrol.stationId)}</bdi>) leaves every map, and the crew&apos;s device is told that a
          commander ended the patrol.
        </p>
        <label htmlFor={reasonId}>Reason (optional)</label>
        <textarea id={reasonId} value={reason} maxLength={STOP_REASON_MAX} rows={3} onChange={(e) => setReason(e.target.value)} data-testid="stop-reason" />
        <p className="muted hint">
          {reason.length}/{STOP_REASON_MAX} characters · stored with the patrol and in the audit log
        </p>
        {error && (
          <p className="alert" role="alert" data-testid="stop-error">
            {error}
          </p>
        )}
        <div className="map-dialog-actions">
          <button ref={cancelRef} type="button" className="ghost" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={busy}>
            {busy ? (
              "Stopping…"
            ) : (
              <>
                Stop <bdi>{patrol.callSign}</bdi>
              </>
            )}
          </button>
        </div>
      </form>
    </dialog>
  );
}

import { useState, type ReactNode } from "react";
import type { ApiFailure } from "./admin-api";
import { ModalDialog } from "./modal-dialog";

/** Props of `ConfirmDialog`. */
export interface ConfirmDialogProps {
  title: string;
  /** What will happen, in words. */
  children: ReactNode;
  /** Label of the confirming button, e.g. "Delete station". */
  confirmLabel: string;
  /** Performs the action; resolves to the API's refusal, or null when done. */
  action: () => Promise<ApiFailure | null>;
  /** Closes the dialog (also called after a successful action). */
  onClose: () => void;
}

/**
 * Asks before a destructive action; focus starts on Cancel. A refusal (409
 * IN_USE naming what blocks a delete, …) is shown verbatim inside the dialog.
 */
export function ConfirmDialog({ title, children, confirmLabel, action, onClose }: ConfirmDialogProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    const failure = await action();
    setPending(false);
    if (failure) setError(failure);
    else onClose();
  }

  return (
    <ModalDialog title={title} onClose={onClose}>
      <div className="admin-dialog-body">
        {children}
        {error && (
          <div className="alert" role="alert" data-testid="confirm-error">
            {error.message}
          </div>
        )}
      </div>
      <div className="admin-dialog-actions">
        <button type="button" className="ghost" onClick={onClose} data-autofocus>
          {error ? "Close" : "Cancel"}
        </button>
        <button type="button" className="danger" onClick={() => void confirm()} disabled={pending}>
          {pending ? "Working…" : confirmLabel}
        </button>
      </div>
    </ModalDialog>
  );
}

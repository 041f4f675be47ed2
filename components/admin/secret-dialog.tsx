import { useEffect, useRef, useState } from "react";
import { ModalDialog } from "./modal-dialog";

/** Props of `SecretDialog`. */
export interface SecretDialogProps {
  /** "created" after creating the vehicle, "rotated" after issuing a new secret. */
  reason: "created" | "rotated";
  vehicle: { id: number; callSign: string };
  secret: string;
  onClose: () => void;
}

type CopyState = "idle" | "copied" | "failed";

/** The question asked when the dialog would close before the secret was kept. */
const CLOSE_WITHOUT_COPYING = "The secret is shown only once. Close without copying?";

/**
 * Shows a vehicle's device secret, the one time the API returns it, with a
 * Copy button. Without the async clipboard (plain http on a LAN address is
 * not a secure context) the text is selected for Ctrl+C instead. Until it was
 * copied, or "I have stored it another way" is ticked, every way out (Esc, ×, a click
 * outside, Done) first asks, so the secret is never lost by a stray key.
 */
export function SecretDialog({ reason, vehicle, secret, onClose }: SecretDialogProps) {
  const [copy, setCopy] = useState<CopyState>("idle");
  const [stored, setStored] = useState(false);
  const [asking, setAsking] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const keepOpenRef = useRef<HTMLButtonElement>(null);
  const copyRef = useRef<HTMLButtonElement>(null);
  const kept = copy === "copied" || stored;

  useEffect(() => {
    if (asking) keepOpenRef.current?.focus();
  }, [asking]);

  function requestClose() {
    if (kept) onClose();
    else setAsking(true);
  }

  function keepOpen() {
    setAsking(false);
    copyRef.current?.focus();
  }

  async function copySecret() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopy("copied");
      setAsking(false);
    } catch {
      inputRef.current?.select();
      setCopy("failed");
    }
  }

  return (
    <ModalDialog
      title={reason === "created" ? `Vehicle ${vehicle.callSign} created` : `New secret for ${vehicle.callSign}`}
      onClose={requestClose}
      closeOnBackdrop
    >
      <div className="admin-dialog-body">
        <div className="notice warn" role="note">
          <strong>Shown only once.</strong> Store this device secret in the vehicle&apos;s tracker now: it cannot be shown again.
          If it is lost, rotate the secret to issue a new one.
          {reason === "rotated" && " The previous secret no longer works."}
        </div>
        <dl className="secret-facts">
          <dt>Vehicle id</dt>
          <dd data-testid="secret-vehicle-id">{vehicle.id}</dd>
        </dl>
        <label htmlFor="device-secret">Device secret</label>
        <div className="secret-row">
          <input
            id="device-secret"
            ref={inputRef}
            className="secret-value"
            readOnly
            value={secret}
            data-testid="device-secret"
            spellCheck={false}
            onFocus={(event) => event.currentTarget.select()}
          />
          <button ref={copyRef} type="button" className="primary" onClick={() => void copySecret()} data-autofocus>
            Copy
          </button>
        </div>
        <p className="field-hint" role="status" aria-live="polite">
          {copy === "copied" && "Copied to the clipboard."}
          {copy === "failed" &&
            "The clipboard is not available here: the secret is selected, press Ctrl+C (⌘C) to copy it, then tick “I have stored it another way”."}
        </p>
        <label className="checkbox-label">
          <input type="checkbox" checked={stored} onChange={(event) => setStored(event.target.checked)} />I have stored it another way (typed or written down)
        </label>
      </div>
      {asking ? (
        <div className="admin-dialog-actions secret-ask" role="group" aria-labelledby="secret-ask-text">
          <p id="secret-ask-text" className="secret-ask-text">
            {CLOSE_WITHOUT_COPYING}
          </p>
          <button ref={keepOpenRef} type="button" className="ghost" onClick={keepOpen}>
            Keep it open
          </button>
          <button type="button" className="danger" onClick={onClose}>
            Close without copying
          </button>
        </div>
      ) : (
        <div className="admin-dialog-actions">
          <button type="button" className="ghost" onClick={requestClose}>
            Done, I have stored it
          </button>
        </div>
      )}
    </ModalDialog>
  );
}

import { useRef, useState } from "react";
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

/**
 * Shows a vehicle's device secret, the one time the API returns it, with a
 * Copy button. Without the async clipboard (plain http on a LAN address is
 * not a secure context) the text is selected for Ctrl+C instead.
 */
export function SecretDialog({ reason, vehicle, secret, onClose }: SecretDialogProps) {
  const [copy, setCopy] = useState<CopyState>("idle");
  const inputRef = useRef<HTMLInputElement>(null);

  async function copySecret() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopy("copied");
    } catch {
      inputRef.current?.select();
      setCopy("failed");
    }
  }

  return (
    <ModalDialog title={reason === "created" ? `Vehicle ${vehicle.callSign} created` : `New secret for ${vehicle.callSign}`} onClose={onClose}>
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
          <button type="button" className="primary" onClick={() => void copySecret()} data-autofocus>
            Copy
          </button>
        </div>
        <p className="field-hint" role="status" aria-live="polite">
          {copy === "copied" && "Copied to the clipboard."}
          {copy === "failed" && "The clipboard is not available here: the secret is selected, press Ctrl+C (⌘C) to copy it."}
        </p>
      </div>
      <div className="admin-dialog-actions">
        <button type="button" className="ghost" onClick={onClose}>
          Done, I have stored it
        </button>
      </div>
    </ModalDialog>
  );
}

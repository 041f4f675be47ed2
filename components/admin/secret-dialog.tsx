import { ModalDialog } from "./modal-dialog";
import { ShownOnceActions, ShownOnceField, useShownOnce } from "./shown-once";

/** Props of `SecretDialog`. */
export interface SecretDialogProps {
  /** "created" after creating the vehicle, "rotated" after issuing a new secret. */
  reason: "created" | "rotated";
  vehicle: { id: number; callSign: string };
  secret: string;
  onClose: () => void;
}

/**
 * Shows a vehicle's device secret, the one time the API returns it, with a Copy button; until it was copied or
 * stored another way, every way out first asks (`useShownOnce`).
 */
export function SecretDialog({ reason, vehicle, secret, onClose }: SecretDialogProps) {
  const shown = useShownOnce("secret", secret, onClose);
  return (
    <ModalDialog
      title={reason === "created" ? `Vehicle ${vehicle.callSign} created` : `New secret for ${vehicle.callSign}`}
      onClose={shown.requestClose}
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
        <ShownOnceField state={shown} label="Device secret" testId="device-secret" />
      </div>
      <ShownOnceActions state={shown} doneLabel="Done, I have stored it" />
    </ModalDialog>
  );
}

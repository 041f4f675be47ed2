import { useId, useMemo, useState } from "react";
import { ModalDialog } from "./modal-dialog";
import { defaultServerUrl, deviceAddress, isLoopbackUrl, osmandTrackingUrl, serverUrlProblem, traccarClientSettings } from "./phone-setup";
import { qrCodePath } from "./qr-code-path";
import { ShownOnceActions, ShownOnceField, useShownOnce } from "./shown-once";

/** Props of `PhoneSetupDialog`. */
export interface PhoneSetupDialogProps {
  vehicle: { id: number; callSign: string };
  /** The device id `POST /api/admin/vehicles/{id}/device-id` just issued. */
  deviceId: string;
  /** A phone was set up for this vehicle before: it has stopped reporting. */
  replaced: boolean;
  onClose: () => void;
}

/** White space around the code, in modules: the quiet zone a reader needs. */
const QUIET_ZONE = 4;

/** The QR code of `text`, drawn here (no image service ever sees the device id), black on a white square. */
function QrCode({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => qrCodePath(text), [text]);
  const side = size + 2 * QUIET_ZONE;
  return (
    <svg
      className="phone-qr-code"
      viewBox={`${-QUIET_ZONE} ${-QUIET_ZONE} ${side} ${side}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
      data-testid="phone-qr"
      data-text={text}
    >
      <rect x={-QUIET_ZONE} y={-QUIET_ZONE} width={side} height={side} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

/**
 * Sets a phone up as a vehicle's tracker, the one time its device id is shown: the id (Copy), the server URL the
 * phone sends to (this page's address by default, editable: the phone must reach it over the network, so
 * localhost is called out), a QR code of both, the Traccar Client settings and OsmAnd's web address. Like the
 * device secret, closing before the id was kept asks first.
 */
export function PhoneSetupDialog({ vehicle, deviceId, replaced, onClose }: PhoneSetupDialogProps) {
  const shown = useShownOnce("device id", deviceId, onClose);
  const [serverUrl, setServerUrl] = useState(() => defaultServerUrl(window.location.origin));
  const urlId = useId();
  const problem = serverUrlProblem(serverUrl);
  const loopback = problem === null && isLoopbackUrl(serverUrl);
  const described = [`${urlId}-hint`, problem ? `${urlId}-error` : null, loopback ? `${urlId}-loopback` : null].filter(Boolean).join(" ");

  return (
    <ModalDialog title={`Set up a phone for ${vehicle.callSign}`} onClose={shown.requestClose} closeOnBackdrop wide>
      <div className="admin-dialog-body">
        <div className="notice warn" role="note">
          <strong>Shown only once.</strong> Enter this device id in the phone now: it cannot be shown again. If it is lost, use “Replace
          phone…” to issue a new one.
          {replaced && " The phone set up before stops reporting: its device id no longer works."}
        </div>
        <div className="phone-setup">
          <div className="phone-setup-main">
            <div className="field">
              <ShownOnceField state={shown} label="Device identifier" testId="device-id" otherWays="scanned" />
            </div>
            <div className="field">
              <label htmlFor={urlId}>Server URL</label>
              <input
                id={urlId}
                type="url"
                value={serverUrl}
                onChange={(event) => setServerUrl(event.target.value)}
                aria-describedby={described}
                aria-invalid={problem ? true : undefined}
                spellCheck={false}
                autoComplete="off"
                inputMode="url"
              />
              {problem && (
                <p id={`${urlId}-error`} className="field-error">
                  {problem}
                </p>
              )}
              {loopback && (
                <p id={`${urlId}-loopback`} className="notice warn" data-testid="loopback-warning">
                  A phone cannot reach localhost: use this computer&apos;s address on your network, e.g. http://192.168.1.20:3000
                </p>
              )}
              <p id={`${urlId}-hint`} className="field-hint">
                The address the phone sends its positions to: this server, as the phone reaches it (same network, or the server&apos;s public
                address).
              </p>
            </div>
            <section className="phone-app" aria-labelledby={`${urlId}-traccar`}>
              <h3 id={`${urlId}-traccar`}>Traccar Client (Android, iOS)</h3>
              <p>In the app&apos;s settings, set:</p>
              <dl className="phone-settings" data-testid="traccar-settings">
                {traccarClientSettings(serverUrl, deviceId).map(({ name, value }) => (
                  <div key={name}>
                    <dt>{name}</dt>
                    <dd>{value}</dd>
                  </div>
                ))}
              </dl>
              <p>Then switch tracking on. Its first position starts a patrol at the vehicle&apos;s home station.</p>
            </section>
            <section className="phone-app" aria-labelledby={`${urlId}-osmand`}>
              <h3 id={`${urlId}-osmand`}>OsmAnd</h3>
              <p>
                Trip recording plugin, Online tracking → web address:
              </p>
              <code className="phone-url" data-testid="osmand-url">
                {problem ? "—" : osmandTrackingUrl(serverUrl, deviceId)}
              </code>
            </section>
          </div>
          <figure className="phone-qr">
            {problem ? (
              <p className="muted">Correct the server URL to draw its QR code.</p>
            ) : (
              <QrCode text={deviceAddress(serverUrl, deviceId)} label={`QR code of the server URL with the device id of ${vehicle.callSign}`} />
            )}
            <figcaption className="field-hint">
              Scan it with the phone to carry the server URL and the device id across without typing:{" "}
              <span className="phone-url">{problem ? "—" : deviceAddress(serverUrl, deviceId)}</span>
            </figcaption>
          </figure>
        </div>
      </div>
      <ShownOnceActions state={shown} doneLabel="Done, the phone is set up" />
    </ModalDialog>
  );
}

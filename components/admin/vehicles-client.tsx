"use client";

import { useState } from "react";
import { adminRequest } from "./admin-api";
import type { AdminLists, VehicleItem } from "./admin-types";
import { ConfirmDialog } from "./confirm-dialog";
import { CrudSection } from "./crud-section";
import { CheckboxField, SelectField, TextField, numberOrNull } from "./form-fields";
import { LocalDateTime } from "./local-date-time";
import { ModalDialog } from "./modal-dialog";
import { byId, unitLabel, unitName, unitOptions } from "./org-labels";
import { PhoneSetupDialog } from "./phone-setup-dialog";
import { SecretDialog } from "./secret-dialog";
import { useAdminLists } from "./use-admin-lists";

type VehicleDraft = { callSign: string; registration: string; homeStationId: string; enabled: boolean };

/** What the secret dialog shows: the API returns a device secret only at creation and rotation. */
interface ShownSecret {
  reason: "created" | "rotated";
  vehicle: VehicleItem;
  secret: string;
}

/** What the phone-setup dialog shows: the API returns a device id only when it issues one. */
interface IssuedDeviceId {
  vehicle: VehicleItem;
  deviceId: string;
  /** The vehicle had a phone, which stops reporting now. */
  replaced: boolean;
}

/**
 * Vehicles section of the admin console. Creating a vehicle or rotating its
 * secret shows the device secret once, with a Copy button; setting up a phone
 * (issuing a device id, DESIGN §11) shows the id once, with what to enter in
 * the phone's tracking app.
 */
export function VehiclesClient({ initial }: { initial: Pick<AdminLists, "divisions" | "stations" | "vehicles"> }) {
  const { lists, reload, reloadError } = useAdminLists(initial);
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const [rotating, setRotating] = useState<VehicleItem | null>(null);
  const [phone, setPhone] = useState<IssuedDeviceId | null>(null);
  const [replacingPhone, setReplacingPhone] = useState<VehicleItem | null>(null);
  const [issuing, setIssuing] = useState<number | null>(null);
  const [phoneFailure, setPhoneFailure] = useState<{ vehicle: VehicleItem; message: string } | null>(null);
  const stations = byId(lists.stations);
  const divisions = byId(lists.divisions);
  const stationOptions = unitOptions(lists.stations, (s) => unitName(divisions.get(s.divisionId), s.divisionId));
  const stationOf = (v: VehicleItem) => unitLabel(stations.get(v.homeStationId), v.homeStationId);

  async function rotate(vehicle: VehicleItem) {
    const result = await adminRequest<{ secret: string }>("POST", `/api/admin/vehicles/${vehicle.id}/secret`);
    if (!result.ok) return result.error;
    // In one render: the confirmation closes (restoring focus) before the secret dialog takes focus.
    setRotating(null);
    setShown({ reason: "rotated", vehicle, secret: result.data.secret });
    return null;
  }

  /** Issues the vehicle a new device id (revoking the one before) and opens the phone-setup dialog with it. */
  async function issueDeviceId(vehicle: VehicleItem) {
    setIssuing(vehicle.id);
    const result = await adminRequest<{ deviceId: string }>("POST", `/api/admin/vehicles/${vehicle.id}/device-id`);
    setIssuing(null);
    if (!result.ok) return result.error;
    // In one render: the confirmation (if any) closes, restoring focus, before the phone dialog takes it.
    setReplacingPhone(null);
    setPhone({ vehicle, deviceId: result.data.deviceId, replaced: vehicle.deviceIdIssuedAt !== null });
    await reload();
    return null;
  }

  /** "Set up a phone" asks nothing (no phone reports yet); "Replace phone…" asks first, since the current phone stops. */
  async function setUpPhone(vehicle: VehicleItem) {
    if (issuing !== null) return;
    if (vehicle.deviceIdIssuedAt !== null) {
      setReplacingPhone(vehicle);
      return;
    }
    const failure = await issueDeviceId(vehicle);
    if (failure) setPhoneFailure({ vehicle, message: failure.message });
  }

  return (
    <>
      <CrudSection<VehicleItem, VehicleDraft, VehicleItem & { secret: string }>
        resource="vehicles"
        noun="vehicle"
        title="Vehicles"
        description="Patrol vehicles and their home stations. A vehicle's tracker signs in with the vehicle id and its device secret."
        items={lists.vehicles}
        columns={[
          { header: "Call sign", cell: (v) => <strong>{v.callSign}</strong> },
          { header: "Registration", cell: (v) => v.registration },
          { header: "Home station", cell: stationOf },
          {
            header: "Status",
            cell: (v) => <span className={v.enabled ? "badge ok" : "badge off"}>{v.enabled ? "Enabled" : "Disabled"}</span>,
          },
          {
            header: "Phone",
            cell: (v) =>
              v.deviceIdIssuedAt === null ? (
                <span className="muted">No phone</span>
              ) : (
                <span data-testid="phone-set-up">
                  Set up <LocalDateTime ms={v.deviceIdIssuedAt} />
                </span>
              ),
          },
        ]}
        searchText={(v) => `${v.callSign} ${v.registration} ${stationOf(v)} ${v.enabled ? "enabled" : "disabled"} ${v.deviceIdIssuedAt === null ? "no phone" : "phone set up"}`}
        filter={{
          label: "Home station",
          allLabel: "All stations",
          options: stationOptions,
          matches: (v, value) => String(v.homeStationId) === value,
        }}
        label={(v) => v.callSign}
        emptyDraft={() => ({ callSign: "", registration: "", homeStationId: "", enabled: true })}
        toDraft={(v) => ({ callSign: v.callSign, registration: v.registration, homeStationId: String(v.homeStationId), enabled: v.enabled })}
        toBody={(draft) => ({
          callSign: draft.callSign,
          registration: draft.registration,
          homeStationId: numberOrNull(draft.homeStationId),
          enabled: draft.enabled,
        })}
        renderFields={(form) => (
          <>
            <TextField form={form} name="callSign" label="Call sign" hint="Unique, e.g. KDV-07." maxLength={32} autoComplete="off" />
            <TextField form={form} name="registration" label="Registration" hint="Unique, e.g. KL-07-AB-1234." maxLength={32} autoComplete="off" />
            <SelectField form={form} name="homeStationId" label="Home station" options={stationOptions} placeholder="Choose a station…" />
            <CheckboxField form={form} name="enabled" label="Enabled" hint="A disabled vehicle cannot sign in or start a patrol." />
          </>
        )}
        reload={reload}
        reloadError={reloadError}
        onCreated={({ secret, ...vehicle }) => setShown({ reason: "created", vehicle, secret })}
        rowActions={(v) => (
          <>
            <button type="button" className="ghost small" onClick={() => setRotating(v)} aria-label={`Rotate secret of ${v.callSign}`}>
              Rotate secret
            </button>
            <button
              type="button"
              className="ghost small"
              onClick={() => void setUpPhone(v)}
              aria-label={v.deviceIdIssuedAt === null ? `Set up a phone for ${v.callSign}` : `Replace phone of ${v.callSign}`}
            >
              {v.deviceIdIssuedAt === null ? "Set up a phone" : "Replace phone…"}
            </button>
          </>
        )}
        deleteNote="A vehicle with patrol history cannot be deleted: untick “Enabled” instead."
      />
      {rotating && (
        <ConfirmDialog
          title={`Rotate the secret of ${rotating.callSign}?`}
          confirmLabel="Rotate secret"
          action={() => rotate(rotating)}
          onClose={() => setRotating(null)}
        >
          <p>
            A new device secret is issued and shown once. The current secret of <strong>{rotating.callSign}</strong> stops working at
            once: its tracker cannot sign in again until it is given the new one.
          </p>
        </ConfirmDialog>
      )}
      {replacingPhone && (
        <ConfirmDialog
          title={`Replace the phone of ${replacingPhone.callSign}?`}
          confirmLabel="Replace phone"
          action={() => issueDeviceId(replacingPhone)}
          onClose={() => setReplacingPhone(null)}
        >
          <p>
            A new device id is issued and shown once, to set up another phone. The phone set up before stops reporting at once: its
            device id no longer works.
          </p>
        </ConfirmDialog>
      )}
      {phone && <PhoneSetupDialog vehicle={phone.vehicle} deviceId={phone.deviceId} replaced={phone.replaced} onClose={() => setPhone(null)} />}
      {phoneFailure && (
        <ModalDialog title={`No phone set up for ${phoneFailure.vehicle.callSign}`} onClose={() => setPhoneFailure(null)}>
          <div className="admin-dialog-body">
            <div className="alert" role="alert">
              {phoneFailure.message}
            </div>
          </div>
          <div className="admin-dialog-actions">
            <button type="button" className="ghost" onClick={() => setPhoneFailure(null)}>
              Close
            </button>
          </div>
        </ModalDialog>
      )}
      {shown && <SecretDialog reason={shown.reason} vehicle={shown.vehicle} secret={shown.secret} onClose={() => setShown(null)} />}
    </>
  );
}

"use client";

import { useState } from "react";
import { adminRequest } from "./admin-api";
import type { AdminLists, VehicleItem } from "./admin-types";
import { ConfirmDialog } from "./confirm-dialog";
import { CrudSection } from "./crud-section";
import { CheckboxField, SelectField, TextField, numberOrNull } from "./form-fields";
import { byId, unitLabel, unitName, unitOptions } from "./org-labels";
import { SecretDialog } from "./secret-dialog";
import { useAdminLists } from "./use-admin-lists";

type VehicleDraft = { callSign: string; registration: string; homeStationId: string; enabled: boolean };

/** What the secret dialog shows: the API returns a device secret only at creation and rotation. */
interface ShownSecret {
  reason: "created" | "rotated";
  vehicle: VehicleItem;
  secret: string;
}

/**
 * Vehicles section of the admin console. Creating a vehicle or rotating its
 * secret shows the device secret once, with a Copy button.
 */
export function VehiclesClient({ initial }: { initial: Pick<AdminLists, "divisions" | "stations" | "vehicles"> }) {
  const { lists, reload, reloadError } = useAdminLists(initial);
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const [rotating, setRotating] = useState<VehicleItem | null>(null);
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
        ]}
        searchText={(v) => `${v.callSign} ${v.registration} ${stationOf(v)} ${v.enabled ? "enabled" : "disabled"}`}
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
          <button type="button" className="ghost small" onClick={() => setRotating(v)} aria-label={`Rotate secret of ${v.callSign}`}>
            Rotate secret
          </button>
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
      {shown && <SecretDialog reason={shown.reason} vehicle={shown.vehicle} secret={shown.secret} onClose={() => setShown(null)} />}
    </>
  );
}

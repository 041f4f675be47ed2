"use client";

import { useState } from "react";
import type { AdminLists, StationItem } from "./admin-types";
import { BoundaryEditor } from "./boundary-editor";
import { CrudSection } from "./crud-section";
import { NameAndCodeFields, SelectField, TextField, numberOrNull, type FormApi } from "./form-fields";
import { LocationPicker } from "./location-picker";
import { byId, countBy, unitLabel, unitName, unitOptions } from "./org-labels";
import { useAdminLists } from "./use-admin-lists";

type StationDraft = { name: string; code: string; divisionId: string; lat: string; lon: string };

/**
 * Stations section of the admin console. A station's zone and district are
 * copied from its division by the API; the location is typed or picked on a
 * tile-free plot of the other stations. "Boundary" opens the jurisdiction
 * editor, a map with tiles from `tileUrl` (NEXT_PUBLIC_TILE_URL).
 */
export function StationsClient({
  initial,
  tileUrl,
}: {
  initial: Pick<AdminLists, "districts" | "zones" | "divisions" | "stations" | "vehicles">;
  tileUrl: string;
}) {
  const { lists, reload, reloadError } = useAdminLists(initial);
  const [bounding, setBounding] = useState<StationItem | null>(null);
  const divisions = byId(lists.divisions);
  const zones = byId(lists.zones);
  const districts = byId(lists.districts);
  const divisionOptions = unitOptions(lists.divisions, (d) => unitName(zones.get(d.zoneId), d.zoneId));
  const divisionOf = (s: StationItem) => unitName(divisions.get(s.divisionId), s.divisionId);
  const zoneOf = (s: StationItem) => unitName(zones.get(s.zoneId), s.zoneId);
  const vehicleCounts = countBy(lists.vehicles, (v) => v.homeStationId);
  const districtOf = (s: StationItem) => unitName(districts.get(s.districtId), s.districtId);

  function renderFields(form: FormApi<StationDraft>, editing: StationItem | null) {
    const lat = numberOrNull(form.draft.lat);
    const lon = numberOrNull(form.draft.lon);
    const value = lat !== null && lon !== null && Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null;
    const divisionId = numberOrNull(form.draft.divisionId);
    return (
      <div className="form-columns">
        <div className="form-fields">
          <NameAndCodeFields form={form} />
          <SelectField
            form={form}
            name="divisionId"
            label="Division"
            options={divisionOptions}
            placeholder="Choose a division…"
            hint="Zone and district follow from the division. Moving a station is refused while it has active patrols."
          />
          <div className="field-pair">
            <TextField form={form} name="lat" label="Latitude" type="number" min={-90} max={90} hint="−90 to 90" />
            <TextField form={form} name="lon" label="Longitude" type="number" min={-180} max={180} hint="−180 to 180" />
          </div>
        </div>
        <LocationPicker
          points={lists.stations
            .filter((s) => s.id !== editing?.id)
            .map((s) => ({ id: s.id, label: unitLabel(s), code: s.code, lat: s.lat, lon: s.lon, highlight: s.divisionId === divisionId }))}
          anchor={editing ? { lat: editing.lat, lon: editing.lon } : null}
          value={value}
          onPick={(pickedLat, pickedLon) => form.update({ lat: String(pickedLat), lon: String(pickedLon) })}
        />
      </div>
    );
  }

  return (
    <>
      <CrudSection<StationItem, StationDraft>
        resource="stations"
        noun="station"
        title="Stations"
        description="Police stations, the lowest level of the organisation. Vehicles are based at a station."
        items={lists.stations}
        columns={[
          { header: "Name", cell: (s) => s.name },
          { header: "Code", cell: (s) => <code>{s.code}</code> },
          {
            header: "Division · zone · district",
            // One column for the chain keeps rows to two lines at 1366 px.
            cell: (s) => (
              <>
                {divisionOf(s)}
                <span className="cell-sub">
                  {zoneOf(s)} · {districtOf(s)}
                </span>
              </>
            ),
          },
          { header: "Position", cell: (s) => `${s.lat.toFixed(4)}, ${s.lon.toFixed(4)}`, numeric: true },
          { header: "Vehicles", cell: (s) => vehicleCounts.get(s.id) ?? 0, numeric: true },
          {
            header: "Boundary",
            cell: (s) => (s.boundary ? `${s.boundary.coordinates[0]!.length - 1} corners` : <span className="muted">none</span>),
            numeric: true,
          },
        ]}
        searchText={(s) => `${s.name} ${s.code} ${divisionOf(s)} ${zoneOf(s)} ${districtOf(s)}`}
        filter={{ label: "Division", allLabel: "All divisions", options: divisionOptions, matches: (s, value) => String(s.divisionId) === value }}
        label={(s) => unitLabel(s)}
        emptyDraft={() => ({ name: "", code: "", divisionId: "", lat: "", lon: "" })}
        toDraft={(s) => ({ name: s.name, code: s.code, divisionId: String(s.divisionId), lat: String(s.lat), lon: String(s.lon) })}
        toBody={(draft) => ({
          name: draft.name,
          code: draft.code,
          divisionId: numberOrNull(draft.divisionId),
          lat: numberOrNull(draft.lat),
          lon: numberOrNull(draft.lon),
        })}
        renderFields={renderFields}
        rowActions={(s) => (
          <button type="button" className="ghost small" onClick={() => setBounding(s)} aria-label={`Boundary of ${unitLabel(s)}`}>
            Boundary
          </button>
        )}
        reload={reload}
        reloadError={reloadError}
        wideForm
      />
      {bounding && (
        <BoundaryEditor
          station={bounding}
          label={unitLabel(bounding)}
          stations={lists.stations}
          tileUrl={tileUrl}
          onClose={() => setBounding(null)}
          onSaved={() => {
            setBounding(null);
            void reload();
          }}
        />
      )}
    </>
  );
}

"use client";

import type { AdminLists, DivisionItem } from "./admin-types";
import { CrudSection } from "./crud-section";
import { NameAndCodeFields, SelectField, numberOrNull } from "./form-fields";
import { byId, countBy, unitLabel, unitName, unitOptions } from "./org-labels";
import { useAdminLists } from "./use-admin-lists";

type DivisionDraft = { name: string; code: string; zoneId: string };

/** Divisions section of the admin console; a division's district is its zone's, derived by the API. */
export function DivisionsClient({ initial }: { initial: Pick<AdminLists, "districts" | "zones" | "divisions" | "stations"> }) {
  const { lists, reload, reloadError } = useAdminLists(initial);
  const zones = byId(lists.zones);
  const districts = byId(lists.districts);
  const zoneOptions = unitOptions(lists.zones, (z) => unitName(districts.get(z.districtId), z.districtId));
  const zoneOf = (d: DivisionItem) => unitName(zones.get(d.zoneId), d.zoneId);
  const stationCounts = countBy(lists.stations, (s) => s.divisionId);
  const districtOf = (d: DivisionItem) => unitName(districts.get(d.districtId), d.districtId);

  return (
    <CrudSection<DivisionItem, DivisionDraft>
      resource="divisions"
      noun="division"
      title="Divisions"
      description="Sub-divisions group stations inside a zone. Moving one to another zone moves its stations along; it is refused while they have active patrols."
      items={lists.divisions}
      columns={[
        { header: "Name", cell: (d) => d.name },
        { header: "Code", cell: (d) => <code>{d.code}</code> },
        { header: "Zone", cell: zoneOf },
        { header: "District", cell: districtOf },
        { header: "Stations", cell: (d) => stationCounts.get(d.id) ?? 0, numeric: true },
      ]}
      searchText={(d) => `${d.name} ${d.code} ${zoneOf(d)} ${districtOf(d)}`}
      filter={{ label: "Zone", allLabel: "All zones", options: zoneOptions, matches: (d, value) => String(d.zoneId) === value }}
      label={(d) => unitLabel(d)}
      emptyDraft={() => ({ name: "", code: "", zoneId: "" })}
      toDraft={(d) => ({ name: d.name, code: d.code, zoneId: String(d.zoneId) })}
      toBody={(draft) => ({ name: draft.name, code: draft.code, zoneId: numberOrNull(draft.zoneId) })}
      renderFields={(form) => (
        <>
          <NameAndCodeFields form={form} />
          <SelectField form={form} name="zoneId" label="Zone" options={zoneOptions} placeholder="Choose a zone…" hint="The district follows from the zone." />
        </>
      )}
      reload={reload}
      reloadError={reloadError}
    />
  );
}

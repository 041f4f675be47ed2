"use client";

import type { AdminLists, ZoneItem } from "./admin-types";
import { CrudSection } from "./crud-section";
import { NameAndCodeFields, SelectField, numberOrNull } from "./form-fields";
import { byId, countBy, unitLabel, unitName, unitOptions } from "./org-labels";
import { useAdminLists } from "./use-admin-lists";

type ZoneDraft = { name: string; code: string; districtId: string };

/** Zones section of the admin console; moving a zone to another district carries its divisions and stations. */
export function ZonesClient({ initial }: { initial: Pick<AdminLists, "districts" | "zones" | "divisions"> }) {
  const { lists, reload, reloadError } = useAdminLists(initial);
  const districts = byId(lists.districts);
  const divisionCounts = countBy(lists.divisions, (d) => d.zoneId);
  const districtOf = (z: ZoneItem) => unitName(districts.get(z.districtId), z.districtId);
  const districtOptions = unitOptions(lists.districts);

  return (
    <CrudSection<ZoneItem, ZoneDraft>
      resource="zones"
      noun="zone"
      title="Zones"
      description="Zones group divisions inside a district. Moving a zone to another district moves its divisions and stations along."
      items={lists.zones}
      columns={[
        { header: "Name", cell: (z) => z.name },
        { header: "Code", cell: (z) => <code>{z.code}</code> },
        { header: "District", cell: districtOf },
        { header: "Divisions", cell: (z) => divisionCounts.get(z.id) ?? 0, numeric: true },
      ]}
      searchText={(z) => `${z.name} ${z.code} ${districtOf(z)}`}
      filter={{ label: "District", allLabel: "All districts", options: districtOptions, matches: (z, value) => String(z.districtId) === value }}
      label={(z) => unitLabel(z)}
      emptyDraft={() => ({ name: "", code: "", districtId: lists.districts.length === 1 ? String(lists.districts[0]!.id) : "" })}
      toDraft={(z) => ({ name: z.name, code: z.code, districtId: String(z.districtId) })}
      toBody={(draft) => ({ name: draft.name, code: draft.code, districtId: numberOrNull(draft.districtId) })}
      renderFields={(form) => (
        <>
          <NameAndCodeFields form={form} />
          <SelectField form={form} name="districtId" label="District" options={districtOptions} placeholder="Choose a district…" />
        </>
      )}
      reload={reload}
      reloadError={reloadError}
    />
  );
}

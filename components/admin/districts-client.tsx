"use client";

import type { AdminLists, DistrictItem } from "./admin-types";
import { CrudSection } from "./crud-section";
import { NameAndCodeFields } from "./form-fields";
import { countBy, unitLabel } from "./org-labels";
import { useAdminLists } from "./use-admin-lists";

type DistrictDraft = { name: string; code: string };

/** Districts section of the admin console: the top level of the organisation. */
export function DistrictsClient({ initial }: { initial: Pick<AdminLists, "districts" | "zones"> }) {
  const { lists, reload, reloadError } = useAdminLists(initial);
  const zoneCounts = countBy(lists.zones, (z) => z.districtId);

  return (
    <CrudSection<DistrictItem, DistrictDraft>
      resource="districts"
      noun="district"
      title="Districts"
      description="Police districts, the highest level below the whole city. Each holds zones."
      items={lists.districts}
      columns={[
        { header: "Name", cell: (d) => d.name },
        { header: "Code", cell: (d) => <code>{d.code}</code> },
        { header: "Zones", cell: (d) => zoneCounts.get(d.id) ?? 0, numeric: true },
      ]}
      searchText={(d) => `${d.name} ${d.code}`}
      label={(d) => unitLabel(d)}
      emptyDraft={() => ({ name: "", code: "" })}
      toDraft={(d) => ({ name: d.name, code: d.code })}
      toBody={(draft) => ({ name: draft.name, code: draft.code })}
      renderFields={(form) => (
        <>
          <NameAndCodeFields form={form} />
        </>
      )}
      reload={reload}
      reloadError={reloadError}
    />
  );
}

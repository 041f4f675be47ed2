"use client";

import type { ScopeLevel } from "@/lib/scope";
import type { AdminLists, UserItem } from "./admin-types";
import { CrudSection } from "./crud-section";
import { CheckboxField, SelectField, TextField, numberOrNull, type FormApi, type SelectOption } from "./form-fields";
import { byId, unitLabel, unitName, unitOptions, type NamedUnit } from "./org-labels";
import { useAdminLists } from "./use-admin-lists";

type UserDraft = { name: string; email: string; password: string; role: UserItem["role"]; scopeLevel: ScopeLevel; scopeId: string; disabled: boolean };

/** Scope levels lowest first (docs/ARCHITECTURE.md §6), as the form names them; a Record so none is forgotten. */
const LEVEL_LABELS: Record<ScopeLevel, string> = {
  station: "Station",
  division: "Division",
  zone: "Zone",
  district: "District",
  city: "Whole city",
};
const LEVEL_OPTIONS: SelectOption[] = Object.entries(LEVEL_LABELS).map(([value, label]) => ({ value, label }));
const ROLE_OPTIONS: SelectOption[] = [
  { value: "COMMANDER", label: "Commander (watches the live map of one scope)" },
  { value: "ADMIN", label: "Administrator (whole city; manages this console)" },
];
/** Filter values: a role for admins, a scope level for commanders. */
const FILTER_OPTIONS: SelectOption[] = [
  { value: "ADMIN", label: "Administrators" },
  ...LEVEL_OPTIONS.map((o) => ({ value: o.value, label: `${o.label} commanders` })),
];

/**
 * Users section of the admin console. A commander's scope is a level plus a
 * unit chosen from the organisation tree; an administrator's is the city.
 */
export function UsersClient({
  initial,
  currentUserId,
}: {
  initial: Pick<AdminLists, "districts" | "zones" | "divisions" | "stations" | "users">;
  /** The signed-in admin: the API refuses changing one's own role or scope, or deleting oneself. */
  currentUserId: number;
}) {
  const { lists, reload, reloadError } = useAdminLists(initial);
  const districts = byId(lists.districts);
  const zones = byId(lists.zones);
  const divisions = byId(lists.divisions);
  const units: Record<Exclude<ScopeLevel, "city">, { byId: Map<number, NamedUnit>; options: SelectOption[] }> = {
    station: { byId: byId(lists.stations), options: unitOptions(lists.stations, (s) => unitName(divisions.get(s.divisionId), s.divisionId)) },
    division: { byId: divisions, options: unitOptions(lists.divisions, (d) => unitName(zones.get(d.zoneId), d.zoneId)) },
    zone: { byId: zones, options: unitOptions(lists.zones, (z) => unitName(districts.get(z.districtId), z.districtId)) },
    district: { byId: districts, options: unitOptions(lists.districts) },
  };
  const scopeOf = (u: UserItem) =>
    u.scopeLevel === "city" ? "Whole city" : `${LEVEL_LABELS[u.scopeLevel]} · ${unitLabel(units[u.scopeLevel].byId.get(u.scopeId ?? 0), u.scopeId)}`;

  function renderFields(form: FormApi<UserDraft>, editing: UserItem | null) {
    const { role, scopeLevel } = form.draft;
    const self = editing?.id === currentUserId;
    return (
      <>
        <TextField form={form} name="name" label="Name" maxLength={120} autoComplete="off" />
        <TextField form={form} name="email" label="Email" type="email" maxLength={254} autoComplete="off" />
        <TextField
          form={form}
          name="password"
          label={editing ? "New password" : "Password"}
          type="password"
          autoComplete="new-password"
          hint={editing ? "Leave blank to keep the current password." : "At least 10 characters."}
        />
        <SelectField
          form={form}
          name="role"
          label="Role"
          options={ROLE_OPTIONS}
          disabled={self}
          hint={self ? "You cannot change your own role or scope; ask another administrator." : undefined}
          onValueChange={(value) =>
            form.update(value === "ADMIN" ? { role: "ADMIN", scopeLevel: "city", scopeId: "" } : { role: value as UserDraft["role"] })
          }
        />
        <SelectField
          form={form}
          name="scopeLevel"
          label="Scope level"
          options={role === "ADMIN" ? LEVEL_OPTIONS.filter((o) => o.value === "city") : LEVEL_OPTIONS}
          disabled={self || role === "ADMIN"}
          hint={role === "ADMIN" ? "Administrators always see the whole city." : "The level of the unit whose vehicles this commander sees."}
          onValueChange={(value) => form.update({ scopeLevel: value as ScopeLevel, scopeId: "" })}
        />
        {scopeLevel !== "city" && (
          <SelectField
            form={form}
            name="scopeId"
            label={`Scope ${LEVEL_LABELS[scopeLevel].toLowerCase()}`}
            options={units[scopeLevel].options}
            placeholder={`Choose a ${scopeLevel}…`}
            disabled={self}
          />
        )}
        {editing && !self && (
          <CheckboxField
            form={form}
            name="disabled"
            label="Account disabled"
            hint="A disabled user cannot sign in; their open sessions and live maps end at once."
          />
        )}
      </>
    );
  }

  return (
    <CrudSection<UserItem, UserDraft>
      resource="users"
      noun="user"
      title="Users"
      description="People who sign in: commanders see the live map of their scope; administrators manage this console."
      items={lists.users}
      columns={[
        {
          header: "Name",
          cell: (u) => (
            <>
              {u.name}
              {u.id === currentUserId && <span className="muted"> (you)</span>}
            </>
          ),
        },
        { header: "Email", cell: (u) => u.email },
        {
          header: "Role",
          cell: (u) => (
            <>
              <span className={u.role === "ADMIN" ? "badge admin" : "badge"}>{u.role === "ADMIN" ? "Administrator" : "Commander"}</span>
              {u.disabled && (
                <>
                  {" "}
                  <span className="badge off">Disabled</span>
                </>
              )}
            </>
          ),
        },
        { header: "Scope", cell: scopeOf },
      ]}
      searchText={(u) => `${u.name} ${u.email} ${u.role} ${scopeOf(u)}${u.disabled ? " disabled" : ""}`}
      filter={{
        label: "Show",
        allLabel: "All users",
        options: FILTER_OPTIONS,
        matches: (u, value) => (value === "ADMIN" ? u.role === "ADMIN" : u.role === "COMMANDER" && u.scopeLevel === value),
      }}
      label={(u) => `${u.name} (${u.email})`}
      emptyDraft={() => ({ name: "", email: "", password: "", role: "COMMANDER", scopeLevel: "station", scopeId: "", disabled: false })}
      toDraft={(u) => ({
        name: u.name,
        email: u.email,
        password: "",
        role: u.role,
        scopeLevel: u.scopeLevel,
        scopeId: u.scopeId === null ? "" : String(u.scopeId),
        disabled: u.disabled,
      })}
      toBody={(draft, editing) => ({
        name: draft.name,
        email: draft.email,
        role: draft.role,
        scopeLevel: draft.scopeLevel,
        scopeId: draft.scopeLevel === "city" ? null : numberOrNull(draft.scopeId),
        // Blank on edit keeps the current password; on create the API explains what it needs.
        ...(editing && draft.password === "" ? {} : { password: draft.password }),
        // Only an edit can disable, and only another admin's account is disabled here (the API refuses yourself).
        ...(editing && editing.id !== currentUserId ? { disabled: draft.disabled } : {}),
      })}
      renderFields={renderFields}
      reload={reload}
      reloadError={reloadError}
      deleteBlocked={(u) => (u.id === currentUserId ? "You cannot delete your own account." : null)}
    />
  );
}

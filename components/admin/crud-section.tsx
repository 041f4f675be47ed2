import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { adminRequest, type ApiFailure } from "./admin-api";
import type { FieldIssue } from "./field-messages";
import type { ResourceName } from "./admin-types";
import { ConfirmDialog } from "./confirm-dialog";
import { SelectOptions, type FormApi, type FormDraft, type SelectOption } from "./form-fields";
import { ModalDialog } from "./modal-dialog";
import { matchesQuery } from "./org-labels";

/** A table column. */
export interface Column<Item> {
  header: string;
  cell: (item: Item) => ReactNode;
  /** Right-aligned tabular figures. Default: false. */
  numeric?: boolean;
}

/** An optional select beside the search box narrowing the list, e.g. "District". */
export interface ListFilter<Item> {
  label: string;
  /** Shown for the empty value, e.g. "All districts". */
  allLabel: string;
  options: SelectOption[];
  matches: (item: Item, value: string) => boolean;
}

/** Props of `CrudSection`: what one admin resource looks like and how its form maps to the API body. */
export interface CrudSectionProps<Item extends { id: number }, Draft extends FormDraft, Created extends Item = Item> {
  resource: ResourceName;
  /** Singular, lower case: "station". */
  noun: string;
  /** The section heading: "Stations". */
  title: string;
  description: string;
  items: readonly Item[];
  columns: Column<Item>[];
  /** Text the search box matches (name, code, parents' names…); the id always matches. */
  searchText: (item: Item) => string;
  filter?: ListFilter<Item>;
  /** "Kadavanthra (KDV)": how dialogs and announcements name an item. */
  label: (item: Item) => string;
  emptyDraft: () => Draft;
  toDraft: (item: Item) => Draft;
  /** The JSON body for POST (editing null) or PATCH. */
  toBody: (draft: Draft, editing: Item | null) => Record<string, unknown>;
  renderFields: (form: FormApi<Draft>, editing: Item | null) => ReactNode;
  /** Reloads the lists after a write. */
  reload: () => Promise<void>;
  reloadError: string | null;
  /** Runs after a successful create with the API's answer (a vehicle's one-time secret). */
  onCreated?: (created: Created) => void;
  /** Extra buttons of a row, between Edit and Delete. */
  rowActions?: (item: Item) => ReactNode;
  /** Why an item cannot be deleted from here (e.g. your own account), or null. */
  deleteBlocked?: (item: Item) => string | null;
  /** Shown in the delete confirmation. */
  deleteNote?: string;
  /** Wider form dialog (for a side panel such as the location picker). Default: false. */
  wideForm?: boolean;
}

type Editor<Item> = { mode: "create" } | { mode: "edit"; item: Item };

/**
 * One console section: a searchable table of a resource with create, edit
 * and delete through the admin API. Server refusals are shown where they
 * apply: beside the field they name, else verbatim above the form.
 */
export function CrudSection<Item extends { id: number }, Draft extends FormDraft, Created extends Item = Item>(
  props: CrudSectionProps<Item, Draft, Created>,
) {
  const { resource, noun, title, description, items, columns, searchText, filter, label, reload, reloadError, rowActions, deleteBlocked } = props;
  const headingId = useId();
  const searchId = useId();
  const filterId = useId();
  const [query, setQuery] = useState("");
  const [filterValue, setFilterValue] = useState("");
  const [editor, setEditor] = useState<Editor<Item> | null>(null);
  const [deleting, setDeleting] = useState<Item | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [savedId, setSavedId] = useState<number | null>(null);
  const shown = items.filter(
    (item) =>
      (!filter || filterValue === "" || filter.matches(item, filterValue)) && matchesQuery(`#${item.id} ${searchText(item)}`, query),
  );

  useEffect(() => {
    if (savedId !== null) document.querySelector(`[data-row-id="${savedId}"]`)?.scrollIntoView({ block: "nearest" });
  }, [savedId, items]);

  async function onSaved(saved: Item, mode: "create" | "edit") {
    setEditor(null);
    setSavedId(saved.id);
    setAnnouncement(mode === "create" ? `Created ${noun} ${label(saved)}.` : `Saved ${noun} ${label(saved)}.`);
    if (mode === "create") props.onCreated?.(saved as Created);
    await reload();
  }

  async function remove(item: Item): Promise<ApiFailure | null> {
    const result = await adminRequest("DELETE", `/api/admin/${resource}/${item.id}`);
    if (!result.ok) return result.error;
    setSavedId(null);
    setAnnouncement(`Deleted ${noun} ${label(item)}.`);
    await reload();
    return null;
  }

  return (
    <section className="crud-section" aria-labelledby={headingId}>
      <div className="section-head">
        <div>
          <h1 id={headingId} tabIndex={-1} data-focus-fallback>
            {title}
          </h1>
          <p className="muted">{description}</p>
        </div>
        <button type="button" className="primary" onClick={() => setEditor({ mode: "create" })}>
          New {noun}
        </button>
      </div>

      <div className="toolbar" role="search" aria-label={`Find ${title.toLowerCase()}`}>
        <div className="toolbar-field">
          <label htmlFor={searchId}>Search</label>
          <input
            id={searchId}
            type="search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            placeholder="Name, code or #id"
            autoComplete="off"
          />
        </div>
        {filter && (
          <div className="toolbar-field">
            <label htmlFor={filterId}>{filter.label}</label>
            <select id={filterId} value={filterValue} onChange={(event) => setFilterValue(event.target.value)}>
              <option value="">{filter.allLabel}</option>
              <SelectOptions options={filter.options} />
            </select>
          </div>
        )}
        <p className="toolbar-count muted" data-testid="list-count">
          {shown.length === items.length ? `${items.length} ${title.toLowerCase()}` : `${shown.length} of ${items.length} ${title.toLowerCase()}`}
        </p>
      </div>

      <p className="announcement" role="status" aria-live="polite">
        {announcement}
      </p>
      {reloadError && (
        <div className="alert" role="alert">
          {reloadError}
        </div>
      )}

      {/* The table scrolls inside its frame: the frame takes focus so keyboard users can scroll it too. */}
      <div className="table-wrap" tabIndex={0} role="region" aria-label={`${title} table`}>
        <table className="data-table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                Id
              </th>
              {columns.map((column) => (
                <th key={column.header} scope="col" className={column.numeric ? "num" : undefined}>
                  {column.header}
                </th>
              ))}
              <th scope="col" className="actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((item) => {
              const blocked = deleteBlocked?.(item) ?? null;
              return (
                <tr key={item.id} data-row-id={item.id} className={item.id === savedId ? "just-saved" : undefined}>
                  <td className="num muted" data-label="Id">
                    {item.id}
                  </td>
                  {columns.map((column) => (
                    <td key={column.header} className={column.numeric ? "num" : undefined} data-label={column.header}>
                      {column.cell(item)}
                    </td>
                  ))}
                  <td className="actions">
                    <button type="button" className="ghost small" onClick={() => setEditor({ mode: "edit", item })} aria-label={`Edit ${label(item)}`}>
                      Edit
                    </button>
                    {rowActions?.(item)}
                    <button
                      type="button"
                      className="danger-outline small"
                      onClick={() => setDeleting(item)}
                      disabled={blocked !== null}
                      title={blocked ?? undefined}
                      aria-label={`Delete ${label(item)}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {shown.length === 0 && (
          <p className="empty muted">
            {items.length === 0 ? `No ${title.toLowerCase()} yet: create the first with “New ${noun}”.` : `No ${title.toLowerCase()} match the search.`}
          </p>
        )}
      </div>

      {editor && (
        <EditorDialog<Item, Draft, Created>
          key={editor.mode === "edit" ? editor.item.id : "new"}
          {...props}
          editing={editor.mode === "edit" ? editor.item : null}
          onCancel={() => setEditor(null)}
          onSaved={(saved) => void onSaved(saved, editor.mode)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${noun} ${label(deleting)}?`}
          confirmLabel={`Delete ${noun}`}
          action={() => remove(deleting)}
          onClose={() => setDeleting(null)}
        >
          <p>
            This removes {noun} <strong>{label(deleting)}</strong> for good. Anything that still uses it blocks the delete, and you will be
            told what.
          </p>
          {props.deleteNote && <p className="muted">{props.deleteNote}</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}

interface EditorDialogProps<Item extends { id: number }, Draft extends FormDraft, Created extends Item>
  extends CrudSectionProps<Item, Draft, Created> {
  editing: Item | null;
  onCancel: () => void;
  onSaved: (saved: Item) => void;
}

/** The create / edit form in a modal dialog; after a refusal, focus goes to the first field named, else the message. */
function EditorDialog<Item extends { id: number }, Draft extends FormDraft, Created extends Item>({
  resource,
  noun,
  label,
  emptyDraft,
  toDraft,
  toBody,
  renderFields,
  wideForm,
  editing,
  onCancel,
  onSaved,
}: EditorDialogProps<Item, Draft, Created>) {
  const formId = useId();
  const alertRef = useRef<HTMLDivElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<Draft>(() => (editing ? toDraft(editing) : emptyDraft()));
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  // The failure's field issues, each dropped once its field is edited.
  const [fieldErrors, setFieldErrors] = useState<Record<string, FieldIssue>>({});
  const [attempt, setAttempt] = useState(0);
  const [pending, setPending] = useState(false);

  const form: FormApi<Draft> = {
    draft,
    update(patch) {
      setDraft((current) => ({ ...current, ...patch }));
      setFieldErrors((current) => Object.fromEntries(Object.entries(current).filter(([name]) => !(name in patch))));
    },
    errorFor: (name) => fieldErrors[name],
    idFor: (name) => `${formId}-${name}`,
  };

  useEffect(() => {
    if (attempt === 0) return;
    const invalid = formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]");
    (invalid ?? alertRef.current)?.focus();
  }, [attempt]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    const body = toBody(draft, editing);
    const result = editing
      ? await adminRequest<Item>("PATCH", `/api/admin/${resource}/${editing.id}`, body)
      : await adminRequest<Created>("POST", `/api/admin/${resource}`, body);
    setPending(false);
    if (result.ok) {
      onSaved(result.data);
      return;
    }
    setFailure(result.error);
    setFieldErrors(result.error.fields);
    setAttempt((n) => n + 1);
  }

  const fieldNames = Object.keys(failure?.fields ?? {});
  const allShownAtFields = fieldNames.length > 0 && fieldNames.every((name) => name in draft);
  // "Please correct…" stays only while a field it points to still shows its message.
  const banner = failure && (allShownAtFields ? (Object.keys(fieldErrors).length > 0 ? "Please correct the fields marked below." : null) : failure.message);

  return (
    <ModalDialog title={editing ? `Edit ${noun} ${label(editing)}` : `New ${noun}`} onClose={onCancel} wide={wideForm}>
      <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate>
        <div className="admin-dialog-body">
          {banner && (
            <div ref={alertRef} className="alert" role="alert" tabIndex={-1} data-testid="form-error">
              {banner}
            </div>
          )}
          {renderFields(form, editing)}
        </div>
        <div className="admin-dialog-actions">
          <button type="button" className="ghost" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={pending}>
            {pending ? "Saving…" : editing ? "Save changes" : `Create ${noun}`}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

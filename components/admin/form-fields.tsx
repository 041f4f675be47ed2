import { Fragment, type ReactNode } from "react";
import { fieldMessage, type FieldIssue } from "./field-messages";

/** A form's values as the inputs hold them: text as strings (numbers too, until sent), checkboxes as booleans. */
export type FormDraft = Record<string, string | boolean>;

/** What a field needs from its form: the value, a setter, the server's message for it and a stable id. */
export interface FormApi<D extends FormDraft> {
  draft: D;
  /** Sets some fields at once (e.g. a new role also resets the scope). */
  update(patch: Partial<D>): void;
  /** The server's refusal of `name` from the last attempt, if any (until the field is edited); the field words it with its label. */
  errorFor(name: keyof D & string): FieldIssue | undefined;
  /** The id of the input for `name`, so the form can focus the first invalid one. */
  idFor(name: keyof D & string): string;
}

/** One entry of a select; options sharing a `group` are shown under one heading. */
export interface SelectOption {
  value: string;
  label: string;
  group?: string;
}

interface FieldFrameProps {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (describedBy: string | undefined) => ReactNode;
}

/** Label above, hint and the server's message below, wired with aria-describedby. */
function FieldFrame({ id, label, hint, error, children }: FieldFrameProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(describedBy)}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

interface TextFieldProps<D extends FormDraft> {
  form: FormApi<D>;
  name: keyof D & string;
  label: string;
  hint?: string;
  type?: "text" | "email" | "password" | "number";
  autoComplete?: string;
  placeholder?: string;
  maxLength?: number;
  /** For `type="number"`: the input's step. Default: "any". */
  step?: string;
  /** For `type="number"`: the allowed range, named in the message when a value is outside it. */
  min?: number;
  max?: number;
}

/** A labelled text, email, password or number input bound to `form.draft[name]`. */
export function TextField<D extends FormDraft>({ form, name, label, hint, type = "text", step = "any", min, max, ...rest }: TextFieldProps<D>) {
  const id = form.idFor(name);
  const issue = form.errorFor(name);
  const error = issue && fieldMessage(issue, { label, kind: type, min, max });
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      {(describedBy) => (
        <input
          id={id}
          name={name}
          type={type}
          step={type === "number" ? step : undefined}
          min={min}
          max={max}
          inputMode={type === "number" ? "decimal" : undefined}
          value={String(form.draft[name] ?? "")}
          onChange={(event) => form.update({ [name]: event.target.value } as Partial<D>)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          {...rest}
        />
      )}
    </FieldFrame>
  );
}

interface SelectFieldProps<D extends FormDraft> {
  form: FormApi<D>;
  name: keyof D & string;
  label: string;
  options: SelectOption[];
  /** Text of the empty first option, e.g. "Choose a division…"; omitted when there is none. */
  placeholder?: string;
  hint?: string;
  disabled?: boolean;
  /** Replaces the plain update, for selects that reset dependent fields. */
  onValueChange?: (value: string) => void;
}

/** A labelled select bound to `form.draft[name]`, options grouped under `<optgroup>`s. */
export function SelectField<D extends FormDraft>({ form, name, label, options, placeholder, hint, disabled, onValueChange }: SelectFieldProps<D>) {
  const id = form.idFor(name);
  const issue = form.errorFor(name);
  const error = issue && fieldMessage(issue, { label, kind: "choice" });
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      {(describedBy) => (
        <select
          id={id}
          name={name}
          value={String(form.draft[name] ?? "")}
          disabled={disabled}
          onChange={(event) => (onValueChange ? onValueChange(event.target.value) : form.update({ [name]: event.target.value } as Partial<D>))}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
        >
          {placeholder !== undefined && <option value="">{placeholder}</option>}
          <SelectOptions options={options} />
        </select>
      )}
    </FieldFrame>
  );
}

/** `<option>`s, with consecutive options of the same `group` under one `<optgroup>`. */
export function SelectOptions({ options }: { options: SelectOption[] }) {
  const runs: { group?: string; options: SelectOption[] }[] = [];
  for (const option of options) {
    const last = runs.at(-1);
    if (last && last.group === option.group) last.options.push(option);
    else runs.push({ group: option.group, options: [option] });
  }
  return runs.map((run, index) => {
    const items = run.options.map((o) => (
      <option key={o.value} value={o.value}>
        {o.label}
      </option>
    ));
    return run.group === undefined ? (
      <Fragment key={`-${index}`}>{items}</Fragment>
    ) : (
      <optgroup key={`${run.group}-${index}`} label={run.group}>
        {items}
      </optgroup>
    );
  });
}

/** A labelled checkbox bound to `form.draft[name]`. */
export function CheckboxField<D extends FormDraft>({ form, name, label, hint }: { form: FormApi<D>; name: keyof D & string; label: string; hint?: string }) {
  const id = form.idFor(name);
  const issue = form.errorFor(name);
  const error = issue && fieldMessage(issue, { label, kind: "checkbox" });
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field checkbox-field">
      <label htmlFor={id} className="checkbox-label">
        <input
          id={id}
          name={name}
          type="checkbox"
          checked={Boolean(form.draft[name])}
          onChange={(event) => form.update({ [name]: event.target.checked } as Partial<D>)}
          aria-describedby={hintId}
        />
        {label}
      </label>
      {error && <p className="field-error">{error}</p>}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/**
 * A number input's or id select's value for the API: "" becomes null, which
 * the API refuses as required (null, not absent, so a PATCH cannot silently
 * keep the old value).
 */
export function numberOrNull(value: string | boolean | undefined): number | null {
  return typeof value !== "string" || value.trim() === "" ? null : Number(value);
}

/** The name and code inputs every organisation unit has. */
export function NameAndCodeFields<D extends FormDraft & { name: string; code: string }>({ form }: { form: FormApi<D> }) {
  return (
    <>
      <TextField form={form} name="name" label="Name" maxLength={120} autoComplete="off" />
      <TextField
        form={form}
        name="code"
        label="Code"
        hint="Short and unique: letters, digits, '-', '_' and '.'."
        maxLength={32}
        autoComplete="off"
      />
    </>
  );
}

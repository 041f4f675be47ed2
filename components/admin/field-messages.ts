/**
 * The admin forms' validation messages in plain words: each names the field by its label and says what to do
 * ("Latitude must be between -90 and 90."), worded here from the API's issue code rather than shown as zod's
 * developer text ("Too big: expected number to be <=90").
 */

/** One refusal of one field, as the admin API reports it (`error.issues[]`, or the error's own `field`). */
export interface FieldIssue {
  /** zod's issue code (`invalid_type`, `too_small`, `too_big`, `invalid_format`, `invalid_value`, `custom`, …), or `server` for a rule of the API's own. */
  code: string;
  /** The API's message: zod's wording, or for `server` and `custom` a sentence written for people. */
  message: string;
  /** For `too_small` / `too_big`: what was measured (`number`, `string`…) and the limit. */
  origin?: string;
  minimum?: number;
  maximum?: number;
  /** For `invalid_format`: `email`, `regex`, … */
  format?: string;
}

/** What a message needs to know about the field it is shown beside. */
export interface FieldDescription {
  /** The field's visible label, e.g. "Latitude". */
  label: string;
  kind: "text" | "email" | "password" | "number" | "choice" | "checkbox";
  /** A number field's allowed range, so both ends are named at once. */
  min?: number;
  max?: number;
}

/** zod's text for a missing value ("… received undefined") or an empty one. */
function isMissing(issue: FieldIssue): boolean {
  return (
    (issue.code === "invalid_type" && /received (undefined|null)$/.test(issue.message)) ||
    (issue.code === "too_small" && issue.origin === "string" && issue.minimum === 1)
  );
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function sentence(text: string): string {
  const trimmed = text.trim().replace(/[.;:,]+$/, "");
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.`;
}

function range(field: FieldDescription): string | null {
  return field.min !== undefined && field.max !== undefined ? `between ${field.min} and ${field.max}` : null;
}

/** The messages per issue code; each gets the issue and the field, and returns a sentence. */
const WORDING: Record<string, (issue: FieldIssue, field: FieldDescription) => string> = {
  invalid_type: (_issue, field) =>
    field.kind === "number" ? `${field.label} must be a number${range(field) ? ` ${range(field)}` : ""}.` : `${field.label} has a value of the wrong kind; retype it.`,
  too_small: (issue, field) => {
    if (issue.origin === "number") return `${field.label} must be ${range(field) ?? `at least ${issue.minimum}`}.`;
    if (issue.origin === "string") return `${field.label} must be at least ${issue.minimum} characters long.`;
    return `${field.label} is too short.`;
  },
  too_big: (issue, field) => {
    if (issue.origin === "number") return `${field.label} must be ${range(field) ?? `at most ${issue.maximum}`}.`;
    if (issue.origin === "string") return `${field.label} must be at most ${issue.maximum} characters long; shorten it.`;
    return `${field.label} is too long.`;
  },
  invalid_format: (issue, field) =>
    issue.format === "email" ? `${field.label} must be an email address, like name@example.org.` : sentence(`${field.label} ${issue.message}`),
  invalid_value: (_issue, field) => `Choose one of the offered values for ${field.label.toLowerCase()}.`,
  // Rules of the API's own (custom refinements) are written as the rest of a sentence: "must not contain …".
  custom: (issue, field) => sentence(`${field.label} ${issue.message}`),
  // Whole sentences from the API ("Choose a station for a station-level scope.").
  server: (issue) => sentence(issue.message),
};

/** The message shown beside `field` for `issue`. */
export function fieldMessage(issue: FieldIssue, field: FieldDescription): string {
  if (isMissing(issue)) {
    return field.kind === "choice" ? `Choose ${article(field.label.toLowerCase())}.` : `${field.label} is required.`;
  }
  // A select offers only valid choices: any other refusal of one means the choice is gone (deleted meanwhile).
  if (field.kind === "choice" && issue.code !== "server") return `Choose ${article(field.label.toLowerCase())} from the list.`;
  const word = WORDING[issue.code];
  return word ? word(issue, field) : sentence(`${field.label}: ${issue.message}`);
}

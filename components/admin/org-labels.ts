import type { SelectOption } from "./form-fields";

/** A named unit of the organisation (district, zone, division or station). */
export interface NamedUnit {
  id: number;
  name: string;
  code: string;
}

/** Rows by id, for looking up parents. */
export function byId<T extends { id: number }>(items: readonly T[]): Map<number, T> {
  return new Map(items.map((item) => [item.id, item]));
}

/** "Kadavanthra (KDV)"; a dangling reference reads "#12 (missing)" rather than blank. */
export function unitLabel(unit: NamedUnit | undefined, id?: number | null): string {
  if (unit) return `${unit.name} (${unit.code})`;
  return id == null ? "—" : `#${id} (missing)`;
}

/**
 * Select options for `units`, sorted by group then name; `parentOf` names
 * each unit's parent, which becomes its `<optgroup>` heading.
 */
export function unitOptions<T extends NamedUnit>(units: readonly T[], parentOf?: (unit: T) => string): SelectOption[] {
  return units
    .map((unit) => ({ value: String(unit.id), label: unitLabel(unit), group: parentOf?.(unit) }))
    .sort((a, b) => (a.group ?? "").localeCompare(b.group ?? "") || a.label.localeCompare(b.label));
}

/** Case-insensitive "every word of the query occurs in the text" match, for the list search boxes. */
export function matchesQuery(text: string, query: string): boolean {
  const haystack = text.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

/** A unit's name for table cells (codes take room there); a dangling reference reads "#12 (missing)". */
export function unitName(unit: NamedUnit | undefined, id: number | null): string {
  if (unit) return unit.name;
  return id === null ? "—" : `#${id} (missing)`;
}

/** How many items share each key, e.g. vehicles per home station. */
export function countBy<T>(items: readonly T[], keyOf: (item: T) => number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

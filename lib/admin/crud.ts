import "server-only";
import { z } from "zod";
import type { SessionUser } from "../auth/options";
import { Prisma } from "../db";
import { AppError } from "../errors";
import { MAX_ROW_ID } from "../row-id";

/** What the admin API calls each kind of row, in messages and logs ("station 5"). */
export type Noun = "district" | "zone" | "division" | "station" | "vehicle" | "user";

/**
 * One resource of the admin REST API (docs/ARCHITECTURE.md §9). The route factories in
 * `routes.ts` do auth, parsing and responses; a resource supplies its schemas
 * and the rules that are its own (derived ids, references, secrets).
 */
export interface AdminResource<Item extends { id: number }, CreateInput, UpdateInput, Created extends { id: number } = Item> {
  noun: Noun;
  /** Strict: unknown fields are refused, so a typo never goes silently unapplied. */
  createSchema: z.ZodType<CreateInput>;
  /** Partial version of the create rules. */
  updateSchema: z.ZodType<UpdateInput>;
  /** Largest create/update body, when the resource needs more than `REQUEST_BODY_LIMIT_BYTES` (a station's boundary). */
  maxBodyBytes?: number;
  /** Every row, ordered by id. */
  list(): Promise<Item[]>;
  /** One row; 404 when missing. */
  get(id: number): Promise<Item>;
  create(input: CreateInput, actor: SessionUser): Promise<Created>;
  /** Applies a partial update; 404 when missing. */
  update(id: number, input: UpdateInput, actor: SessionUser): Promise<Item>;
  /** Deletes a row; 404 when missing, 409 IN_USE while anything references it. */
  remove(id: number, actor: SessionUser): Promise<void>;
}

/**
 * Characters no name may hold: controls (Cc: NUL, newline, escape), format characters (Cf: zero-width spaces
 * and joiners, bidi overrides and isolates, BOM), line and paragraph separators, surrogates, private-use and
 * unassigned code points, and every other default-ignorable one (soft hyphen, variation selectors, Hangul
 * fillers). Each either fails in PostgreSQL (NUL) or lets a name look like another (`KDV-01` + U+200B).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/**
 * Free text an admin types as a name, call sign or registration: 1–`max` characters after trimming, every one
 * visible. The one refinement every admin name field uses; a refusal is a 400 naming the field and the character.
 */
export function visibleText(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((value, ctx) => {
      const found = INVISIBLE.exec(value);
      if (!found) return;
      const codePoint = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      const position = [...value.slice(0, found.index)].length + 1;
      ctx.addIssue({
        code: "custom",
        message: `must not contain control or invisible characters (U+${codePoint} at character ${position}); retype it`,
      });
    });
}

/** A person-readable name: 1–120 visible characters after trimming. */
export const nameField = visibleText(120);

/** A short unit code such as `KDV` or `Z3`: letters, digits, `-`, `_`, `.`; at most 32 characters. */
export const codeField = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "may contain only letters, digits, '-', '_' and '.'");

/** The id of another row (a positive integer no larger than any row id can be). */
export const refField = z.number().int().positive().max(MAX_ROW_ID, "is not the id of any row");

/** 404 NOT_FOUND: "No station with id 5." */
export function notFound(noun: Noun, id: number): AppError {
  return new AppError("NOT_FOUND", `No ${noun} with id ${id}.`);
}

/** Returns `row`, or throws 404 for `noun` `id` when it is null. */
export function found<T>(row: T | null, noun: Noun, id: number): T {
  if (row === null) throw notFound(noun, id);
  return row;
}

/** 400 for a reference to a row that does not exist: "divisionId: division 999 does not exist." */
export function missingReference(field: string, noun: Noun, id: number): AppError {
  return new AppError("VALIDATION_FAILED", `${field}: ${noun} ${id} does not exist.`, { field });
}

/** Something that still points at a row about to be deleted, and what the admin should do about it. */
export interface Reference {
  count: number;
  /** What is counted, for one and for several: ["vehicle based there", "vehicles based there"]. */
  what: [one: string, several: string];
  /** What to do, for one and for several: ["move or delete it first", "move or delete them first"]. */
  fix: [one: string, several: string];
}

/** Commanders whose scope is the unit: scopes are not foreign keys, so a delete counts them. */
export function scopedCommanders(count: number): Reference {
  return { count, what: ["commander scoped to it", "commanders scoped to it"], fix: ["change their scope first", "change their scopes first"] };
}

/** Patrols recorded under the unit: their history is kept, so it blocks a delete for good. */
export function patrolRecords(count: number): Reference {
  const kept = "patrol history is kept, so it cannot be deleted";
  return { count, what: ["patrol record", "patrol records"], fix: [kept, kept] };
}

/**
 * Throws 409 IN_USE when any reference count is non-zero, naming the row by its name and each reference:
 * "Kadavanthra still has 1 vehicle based there; move or delete it first."
 */
export function assertUnreferenced(name: string, references: Reference[]): void {
  const blocking = references.filter((r) => r.count > 0);
  if (blocking.length === 0) return;
  const sentences = blocking.map(({ count, what, fix }) => `${count} ${what[count === 1 ? 0 : 1]}; ${fix[count === 1 ? 0 : 1]}`);
  throw new AppError("IN_USE", `${name} still has ${sentences.join(". It also has ")}.`, {
    references: blocking.map(({ what, count }) => ({ what: what[1], count })),
  });
}

/** Units whose move would strand active patrols (their chain is copied into Redis at start). */
export type MovableUnit = "station" | "division" | "zone";

/** The stations column naming each movable unit (a fixed list: never from input). */
const STATION_COLUMN: Record<MovableUnit, string> = { station: `"id"`, division: `"divisionId"`, zone: `"zoneId"` };

/**
 * 409 CONFLICT when the unit has active patrols: each one sits in its old
 * ancestors' Redis sets (docs/ARCHITECTURE.md §3), so moving the unit under it would put
 * live maps and the database out of step until the patrols end. Call inside
 * the move's transaction: the unit's station rows are locked FOR UPDATE
 * first, and a patrol start holds its station FOR SHARE until it commits
 * (lib/patrols/start-patrol.ts), so a start racing the move either commits
 * before this count (and is counted) or waits for the move and copies the new chain.
 */
export async function assertNoActivePatrols(level: MovableUnit, id: number, tx: Prisma.TransactionClient): Promise<void> {
  await tx.$queryRawUnsafe(`SELECT id FROM stations WHERE ${STATION_COLUMN[level]} = $1 FOR UPDATE`, id);
  const unit = { station: { stationId: id }, division: { divisionId: id }, zone: { zoneId: id } }[level];
  const active = await tx.patrol.count({ where: { ...unit, status: "ACTIVE" } });
  if (active > 0) {
    throw new AppError(
      "CONFLICT",
      `${level} ${id} has ${active} active patrol(s); stop them before moving it to another parent.`,
      { activePatrols: active },
    );
  }
}

/**
 * Runs a create or update, turning the database's refusals into errors an
 * admin can act on: a unique violation → 409 naming the field and value
 * ("a station with code "KDV" already exists"), a row gone meanwhile → 404,
 * a parent deleted meanwhile → 409.
 */
export async function guardWrite<T>(
  noun: Noun,
  input: Record<string, unknown>,
  write: () => Promise<T>,
  id?: number,
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError)) throw err;
    if (err.code === "P2002") throw duplicate(noun, input, err);
    if (err.code === "P2025" && id !== undefined) throw notFound(noun, id);
    if (err.code === "P2003") {
      throw new AppError("CONFLICT", `A row this ${noun} refers to was deleted meanwhile; reload and try again.`);
    }
    throw err;
  }
}

/**
 * Deletes a row after the caller's reference checks; a reference created
 * meanwhile (foreign key refusal) still answers 409 IN_USE, a row already
 * gone answers 404.
 */
export async function guardDelete(noun: Noun, id: number, remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError)) throw err;
    if (err.code === "P2025") throw notFound(noun, id);
    if (err.code === "P2003") throw new AppError("IN_USE", `${noun} ${id} is still referenced; remove what refers to it first.`);
    throw err;
  }
}

function duplicate(noun: Noun, input: Record<string, unknown>, err: Prisma.PrismaClientKnownRequestError): AppError {
  const constraint = constraintText(err.meta);
  const fields = Object.keys(input).filter((key) => typeof input[key] === "string");
  const field =
    fields.find((key) => new RegExp(`(^|[^A-Za-z])${key}([^A-Za-z]|$)`).test(constraint)) ??
    (fields.length === 1 ? fields[0] : undefined);
  if (field === undefined) return new AppError("CONFLICT", `A ${noun} with these values already exists.`);
  // The folded indexes (prisma/migrations/*_folded_codes): the one there differs from this one in case or width only.
  const folded = /_folded_key/.test(constraint) ? " (codes that differ only in upper/lower case or character width count as the same)" : "";
  return new AppError("CONFLICT", `A ${noun} with ${field} ${JSON.stringify(input[field])} already exists${folded}.`, { field });
}

/** The violated constraint as Prisma reports it: `meta.target`, or the driver adapter's constraint (index or fields). */
function constraintText(meta: Record<string, unknown> | undefined): string {
  if (!meta) return "";
  const adapter = meta.driverAdapterError as { cause?: { constraint?: { index?: string; fields?: string[] } } } | undefined;
  const constraint = adapter?.cause?.constraint;
  const parts = [meta.target, constraint?.index, constraint?.fields].flat().filter((p) => typeof p === "string");
  return parts.join(" ");
}

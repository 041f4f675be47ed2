import "server-only";
import { z } from "zod";
import { clearAccessPending, markAccessPending, writeUserAccess, writeUserDeleted } from "../auth/access-state";
import { SESSION_MAX_AGE_SECONDS } from "../auth/options";
import { hashPassword } from "../auth/password";
import { Prisma, prisma } from "../db";
import { AppError } from "../errors";
import { log } from "../log";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import { SCOPE_LEVELS, type ScopeLevel } from "../scope";
import { type AdminResource, found, guardDelete, guardWrite, nameField, refField } from "./crud";
import { requireUnit } from "./units";

// Never passwordHash.
const USER_FIELDS = { id: true, email: true, name: true, role: true, scopeLevel: true, scopeId: true, disabled: true } as const;

/** A user as the admin API shows it. */
export interface UserItem {
  id: number;
  email: string;
  name: string;
  role: "ADMIN" | "COMMANDER";
  scopeLevel: ScopeLevel;
  scopeId: number | null;
  /** A disabled user cannot sign in, and their sessions and live sockets end at once. */
  disabled: boolean;
}

const createSchema = z.strictObject({
  // Stored lower-case: sign-in lower-cases what people type.
  email: z.string().trim().toLowerCase().email().max(254),
  name: nameField,
  password: z.string().min(10, "must be at least 10 characters").max(256),
  role: z.enum(["ADMIN", "COMMANDER"]),
  scopeLevel: z.enum(SCOPE_LEVELS),
  /** Null or absent for scope level `city`. */
  scopeId: refField.nullable().optional(),
  /** Default: false. */
  disabled: z.boolean().optional(),
});
const updateSchema = createSchema.partial();

/** How long a deleted user's access hash says "deleted": as long as a session of theirs could still be presented. */
const DELETED_MARK_MS = (SESSION_MAX_AGE_SECONDS + 60) * 1000;

/**
 * 409 when the change would leave no enabled administrator (the console would be locked for good). Locks
 * the enabled admins' rows first, so two admins disabling each other at once cannot both succeed.
 */
async function assertAnotherAdmin(tx: Prisma.TransactionClient, userId: number, change: string): Promise<void> {
  const admins = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM users WHERE role = 'ADMIN' AND NOT disabled FOR UPDATE`;
  if (admins.some((a) => a.id === userId) && admins.length <= 1) {
    throw new AppError(
      "CONFLICT",
      `This is the last enabled administrator: ${change} would leave nobody able to manage Sentinel. Make another user an administrator first.`,
    );
  }
}

/** Awaits a change whose access hash was marked pending (when `marked`); if it failed, nothing changed: unmark it. */
async function unmarkOnFailure<T>(marked: boolean, userId: number, change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (err) {
    if (marked) await clearAccessPending(redis(), redisPrefix, userId).catch(() => undefined);
    throw err;
  }
}

/**
 * Tells sessions and live sockets about a committed access change. The hash was marked pending before the
 * change, so if this write fails every check still asks PostgreSQL (web) or refuses (sidecar): it fails closed.
 */
async function announceAccess(write: Promise<unknown>, userId: number): Promise<void> {
  await write.catch((err: unknown) => log.error({ err: String(err), userId }, "access change saved but not mirrored to Redis; sessions fall back to PostgreSQL"));
}

/**
 * Checks the role/scope combination (docs/ARCHITECTURE.md §6): an admin's scope is `city`;
 * a commander's scope names an existing unit of its level, or is `city`.
 */
async function checkScope(role: UserItem["role"], scopeLevel: ScopeLevel, scopeId: number | null): Promise<void> {
  if (role === "ADMIN" && scopeLevel !== "city") {
    throw new AppError("VALIDATION_FAILED", `scopeLevel: an administrator always sees the whole city; choose the whole city ("city"), not "${scopeLevel}".`, {
      field: "scopeLevel",
    });
  }
  if (scopeLevel === "city") {
    if (scopeId !== null) {
      throw new AppError("VALIDATION_FAILED", "scopeId: a city-wide scope names no unit; leave it out (or null).", { field: "scopeId" });
    }
    return;
  }
  if (scopeId === null) {
    throw new AppError("VALIDATION_FAILED", `scopeId: choose a ${scopeLevel} for a ${scopeLevel}-level scope.`, { field: "scopeId" });
  }
  await requireUnit(scopeLevel, scopeId, "scopeId");
}

/** Admin CRUD for users. Passwords are hashed (argon2id) on the way in and never shown. */
export const users: AdminResource<UserItem, z.infer<typeof createSchema>, z.infer<typeof updateSchema>> = {
  noun: "user",
  createSchema,
  updateSchema,

  list: () => prisma.user.findMany({ select: USER_FIELDS, orderBy: { id: "asc" } }),

  async get(id) {
    return found(await prisma.user.findUnique({ where: { id }, select: USER_FIELDS }), "user", id);
  },

  async create({ password, ...input }) {
    const scopeId = input.scopeId ?? null;
    await checkScope(input.role, input.scopeLevel, scopeId);
    const passwordHash = await hashPassword(password);
    return guardWrite("user", input, () =>
      prisma.user.create({ data: { ...input, scopeId, passwordHash }, select: USER_FIELDS }),
    );
  },

  async update(id, { password, ...input }, actor) {
    const current = await users.get(id);
    const next = {
      role: input.role ?? current.role,
      scopeLevel: input.scopeLevel ?? current.scopeLevel,
      // A new scope level needs its own id (none for city); an omitted id otherwise keeps the current one.
      scopeId:
        input.scopeId !== undefined
          ? input.scopeId
          : input.scopeLevel !== undefined && input.scopeLevel !== current.scopeLevel
            ? null
            : current.scopeId,
      disabled: input.disabled ?? current.disabled,
    };
    const scopeChanges = next.role !== current.role || next.scopeLevel !== current.scopeLevel || next.scopeId !== current.scopeId;
    const accessChanges = scopeChanges || next.disabled !== current.disabled;
    if (id === actor.id && scopeChanges) {
      throw new AppError("CONFLICT", "You cannot change your own role or scope; ask another admin.");
    }
    if (scopeChanges) await checkScope(next.role, next.scopeLevel, next.scopeId);
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    // Sessions issued before an access change are refused from the next request: bump their version.
    if (accessChanges) await redisCall(markAccessPending(redis(), redisPrefix, id));
    const removesAdmin = current.role === "ADMIN" && !current.disabled && (next.role !== "ADMIN" || next.disabled);
    const updated = await unmarkOnFailure(
      accessChanges,
      id,
      guardWrite(
        "user",
        input,
        () =>
          prisma.$transaction(async (tx) => {
            if (removesAdmin) await assertAnotherAdmin(tx, id, next.disabled ? "disabling it" : "changing its role");
            return tx.user.update({
              where: { id },
              data: { ...input, ...next, passwordHash, ...(accessChanges && { sessionVersion: { increment: 1 } }) },
              select: { ...USER_FIELDS, sessionVersion: true },
            });
          }),
        id,
      ),
    );
    if (accessChanges) await announceAccess(writeUserAccess(redis(), redisPrefix, updated, true), id);
    const { sessionVersion: _version, ...item } = updated;
    return item;
  },

  async remove(id, actor) {
    if (id === actor.id) throw new AppError("CONFLICT", "You cannot delete your own account; ask another admin.");
    const current = found(await prisma.user.findUnique({ where: { id }, select: { role: true, disabled: true, sessionVersion: true } }), "user", id);
    await redisCall(markAccessPending(redis(), redisPrefix, id));
    // Patrols this user ended keep their history: the foreign key sets endedByUserId to null.
    await unmarkOnFailure(
      true,
      id,
      guardDelete("user", id, () =>
        prisma.$transaction(async (tx) => {
          if (current.role === "ADMIN" && !current.disabled) await assertAnotherAdmin(tx, id, "deleting it");
          await tx.user.delete({ where: { id } });
        }),
      ),
    );
    await announceAccess(writeUserDeleted(redis(), redisPrefix, id, current.sessionVersion, DELETED_MARK_MS), id);
  },
};

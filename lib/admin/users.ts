import "server-only";
import { z } from "zod";
import { hashPassword } from "../auth/password";
import { prisma } from "../db";
import { AppError } from "../errors";
import { SCOPE_LEVELS, type ScopeLevel } from "../scope";
import { type AdminResource, found, guardDelete, guardWrite, nameField, refField } from "./crud";
import { requireUnit } from "./units";

// Never passwordHash.
const USER_FIELDS = { id: true, email: true, name: true, role: true, scopeLevel: true, scopeId: true } as const;

/** A user as the admin API shows it. */
export interface UserItem {
  id: number;
  email: string;
  name: string;
  role: "ADMIN" | "COMMANDER";
  scopeLevel: ScopeLevel;
  scopeId: number | null;
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
});
const updateSchema = createSchema.partial();

/**
 * Checks the role/scope combination (DESIGN §3): an admin's scope is `city`;
 * a commander's scope names an existing unit of its level, or is `city`.
 */
async function checkScope(role: UserItem["role"], scopeLevel: ScopeLevel, scopeId: number | null): Promise<void> {
  if (role === "ADMIN" && scopeLevel !== "city") {
    throw new AppError("VALIDATION_FAILED", `scopeLevel: an ADMIN's scope is "city" (got "${scopeLevel}").`, { field: "scopeLevel" });
  }
  if (scopeLevel === "city") {
    if (scopeId !== null) {
      throw new AppError("VALIDATION_FAILED", "scopeId: must be null (or left out) for scope level city.", { field: "scopeId" });
    }
    return;
  }
  if (scopeId === null) {
    throw new AppError("VALIDATION_FAILED", `scopeId: scope level ${scopeLevel} needs the id of a ${scopeLevel}.`, { field: "scopeId" });
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
    };
    const accessChanges =
      next.role !== current.role || next.scopeLevel !== current.scopeLevel || next.scopeId !== current.scopeId;
    if (id === actor.id && accessChanges) {
      throw new AppError("CONFLICT", "You cannot change your own role or scope; ask another admin.");
    }
    if (accessChanges) await checkScope(next.role, next.scopeLevel, next.scopeId);
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    return guardWrite(
      "user",
      input,
      () => prisma.user.update({ where: { id }, data: { ...input, ...next, passwordHash }, select: USER_FIELDS }),
      id,
    );
  },

  async remove(id, actor) {
    if (id === actor.id) throw new AppError("CONFLICT", "You cannot delete your own account; ask another admin.");
    // Patrols this user ended keep their history: the foreign key sets endedByUserId to null.
    await guardDelete("user", id, () => prisma.user.delete({ where: { id } }));
  },
};

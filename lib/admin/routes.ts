import "server-only";
import { createHash } from "node:crypto";
import { NextResponse } from "next/server";
import { recordAudit, userActor } from "../audit/record";
import { requireAdmin } from "../auth/session";
import { apiRoute, idParam, parseBody } from "../http/handler";
import { log } from "../log";
import type { AdminResource } from "./crud";

/**
 * Route handlers shared by every admin resource (docs/ARCHITECTURE.md §9), so the six
 * resources answer alike: ADMIN session first (401 anonymous, 403 anyone
 * else), then the body, then the resource, then one audit row
 * (`<noun>.create|update|delete`). Responses are never cached.
 */

const NO_STORE = { "Cache-Control": "no-store" };

/** Fields whose values never reach the audit log (a password, a device secret): only that they were set. */
const SECRET_FIELDS = new Set(["password", "secret"]);

/** `values` for the audit log, secrets replaced by "(set)" and a station's boundary by its number of corners. */
function auditable(values: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, SECRET_FIELDS.has(key) ? "(set)" : key === "boundary" ? boundarySummary(value) : value]),
  );
}

/**
 * "37 corners, sha256 1f2e…" for a GeoJSON Polygon (its outer ring, closing corner not counted), null for none: the
 * row stays small, and the digest tells one outline from another of as many corners (the polygon itself is the
 * station's, readable through the admin API).
 */
function boundarySummary(value: unknown): string | null {
  const ring = (value as { coordinates?: unknown[][] } | null)?.coordinates?.[0];
  if (!Array.isArray(ring)) return null;
  const digest = createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
  return `${Math.max(0, ring.length - 1)} corners, sha256 ${digest}`;
}

function json(body: unknown, status = 200): Response {
  return NextResponse.json(body, { status, headers: NO_STORE });
}

/** `GET` → 200 `{items}` ordered by id; `POST` → 201 the created item. */
export function collectionRoutes<Item extends { id: number }, CreateInput, UpdateInput, Created extends { id: number }>(
  resource: AdminResource<Item, CreateInput, UpdateInput, Created>,
) {
  return {
    GET: apiRoute(async () => {
      await requireAdmin();
      return json({ items: await resource.list() });
    }),
    POST: apiRoute(async (req) => {
      const actor = await requireAdmin();
      const input = await parseBody(req, resource.createSchema, resource.maxBodyBytes);
      const created = await resource.create(input, actor);
      log.info({ userId: actor.id, resource: resource.noun, id: created.id }, "admin created");
      await recordAudit({
        action: `${resource.noun}.create`,
        actor: userActor(actor, req),
        target: `${resource.noun}:${created.id}`,
        detail: { item: auditable(created) },
      });
      return json(created, 201);
    }),
  };
}

/** `GET` → the item; `PATCH` → the updated item; `DELETE` → 200 `{ok: true, id}`. Unknown ids → 404. */
export function itemRoutes<Item extends { id: number }, CreateInput, UpdateInput, Created extends { id: number }>(
  resource: AdminResource<Item, CreateInput, UpdateInput, Created>,
) {
  return {
    GET: apiRoute<{ id: string }>(async (_req, { params }) => {
      await requireAdmin();
      return json(await resource.get(idParam((await params).id, resource.noun)));
    }),
    PATCH: apiRoute<{ id: string }>(async (req, { params }) => {
      const actor = await requireAdmin();
      const id = idParam((await params).id, resource.noun);
      const input = await parseBody(req, resource.updateSchema, resource.maxBodyBytes);
      const updated = await resource.update(id, input, actor);
      log.info({ userId: actor.id, resource: resource.noun, id, fields: Object.keys(input as object) }, "admin updated");
      await recordAudit({
        action: `${resource.noun}.update`,
        actor: userActor(actor, req),
        target: `${resource.noun}:${id}`,
        detail: { changes: auditable(input as object) },
      });
      return json(updated);
    }),
    DELETE: apiRoute<{ id: string }>(async (req, { params }) => {
      const actor = await requireAdmin();
      const id = idParam((await params).id, resource.noun);
      // Read first so the audit row says what was deleted (a user's email, a station's name).
      const item = await resource.get(id);
      await resource.remove(id, actor);
      log.info({ userId: actor.id, resource: resource.noun, id }, "admin deleted");
      await recordAudit({ action: `${resource.noun}.delete`, actor: userActor(actor, req), target: `${resource.noun}:${id}`, detail: { item: auditable(item) } });
      return json({ ok: true, id });
    }),
  };
}

import "server-only";
import { NextResponse } from "next/server";
import { requireAdmin } from "../auth/session";
import { apiRoute, idParam, parseBody } from "../http/handler";
import { log } from "../log";
import type { AdminResource } from "./crud";

/**
 * Route handlers shared by every admin resource (DESIGN §8), so the six
 * resources answer alike: ADMIN session first (401 anonymous, 403 anyone
 * else), then the body, then the resource. Responses are never cached.
 */

const NO_STORE = { "Cache-Control": "no-store" };

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
      const input = await parseBody(req, resource.createSchema);
      const created = await resource.create(input, actor);
      log.info({ userId: actor.id, resource: resource.noun, id: created.id }, "admin created");
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
      const input = await parseBody(req, resource.updateSchema);
      const updated = await resource.update(id, input, actor);
      log.info({ userId: actor.id, resource: resource.noun, id, fields: Object.keys(input as object) }, "admin updated");
      return json(updated);
    }),
    DELETE: apiRoute<{ id: string }>(async (_req, { params }) => {
      const actor = await requireAdmin();
      const id = idParam((await params).id, resource.noun);
      await resource.remove(id, actor);
      log.info({ userId: actor.id, resource: resource.noun, id }, "admin deleted");
      return json({ ok: true, id });
    }),
  };
}

import { itemRoutes } from "@/lib/admin/routes";
import { divisions } from "@/lib/admin/divisions";

const routes = itemRoutes(divisions);

// GET /api/admin/divisions/{id} – read one division
export const GET = routes.GET;

// PATCH /api/admin/divisions/{id} – change some fields of a division
export const PATCH = routes.PATCH;

// DELETE /api/admin/divisions/{id} – delete a division nothing refers to
export const DELETE = routes.DELETE;

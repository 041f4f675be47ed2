import { itemRoutes } from "@/lib/admin/routes";
import { zones } from "@/lib/admin/zones";

const routes = itemRoutes(zones);

// GET /api/admin/zones/{id} – read one zone
export const GET = routes.GET;

// PATCH /api/admin/zones/{id} – change some fields of a zone
export const PATCH = routes.PATCH;

// DELETE /api/admin/zones/{id} – delete a zone nothing refers to
export const DELETE = routes.DELETE;

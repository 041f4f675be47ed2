import { itemRoutes } from "@/lib/admin/routes";
import { districts } from "@/lib/admin/districts";

const routes = itemRoutes(districts);

// GET /api/admin/districts/{id} – read one district
export const GET = routes.GET;

// PATCH /api/admin/districts/{id} – change some fields of a district
export const PATCH = routes.PATCH;

// DELETE /api/admin/districts/{id} – delete a district nothing refers to
export const DELETE = routes.DELETE;

import { itemRoutes } from "@/lib/admin/routes";
import { users } from "@/lib/admin/users";

const routes = itemRoutes(users);

// GET /api/admin/users/{id} – read one user
export const GET = routes.GET;

// PATCH /api/admin/users/{id} – change some fields of a user
export const PATCH = routes.PATCH;

// DELETE /api/admin/users/{id} – delete a user nothing refers to
export const DELETE = routes.DELETE;

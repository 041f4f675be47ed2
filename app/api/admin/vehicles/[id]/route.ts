import { itemRoutes } from "@/lib/admin/routes";
import { vehicles } from "@/lib/admin/vehicles";

const routes = itemRoutes(vehicles);

// GET /api/admin/vehicles/{id} – read one vehicle
export const GET = routes.GET;

// PATCH /api/admin/vehicles/{id} – change some fields of a vehicle
export const PATCH = routes.PATCH;

// DELETE /api/admin/vehicles/{id} – delete a vehicle nothing refers to
export const DELETE = routes.DELETE;

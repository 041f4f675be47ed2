import { itemRoutes } from "@/lib/admin/routes";
import { stations } from "@/lib/admin/stations";

const routes = itemRoutes(stations);

// GET /api/admin/stations/{id} – read one station
export const GET = routes.GET;

// PATCH /api/admin/stations/{id} – change some fields of a station
export const PATCH = routes.PATCH;

// DELETE /api/admin/stations/{id} – delete a station nothing refers to
export const DELETE = routes.DELETE;

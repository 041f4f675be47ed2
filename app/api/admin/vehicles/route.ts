import { collectionRoutes } from "@/lib/admin/routes";
import { vehicles } from "@/lib/admin/vehicles";

const routes = collectionRoutes(vehicles);

// GET /api/admin/vehicles – list vehicles, ordered by id
export const GET = routes.GET;

// POST /api/admin/vehicles – create a vehicle
export const POST = routes.POST;

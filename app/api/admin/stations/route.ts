import { collectionRoutes } from "@/lib/admin/routes";
import { stations } from "@/lib/admin/stations";

const routes = collectionRoutes(stations);

// GET /api/admin/stations – list stations, ordered by id
export const GET = routes.GET;

// POST /api/admin/stations – create a station
export const POST = routes.POST;

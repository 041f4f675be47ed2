import { collectionRoutes } from "@/lib/admin/routes";
import { divisions } from "@/lib/admin/divisions";

const routes = collectionRoutes(divisions);

// GET /api/admin/divisions – list divisions, ordered by id
export const GET = routes.GET;

// POST /api/admin/divisions – create a division
export const POST = routes.POST;

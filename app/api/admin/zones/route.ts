import { collectionRoutes } from "@/lib/admin/routes";
import { zones } from "@/lib/admin/zones";

const routes = collectionRoutes(zones);

// GET /api/admin/zones – list zones, ordered by id
export const GET = routes.GET;

// POST /api/admin/zones – create a zone
export const POST = routes.POST;

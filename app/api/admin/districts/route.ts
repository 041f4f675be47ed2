import { collectionRoutes } from "@/lib/admin/routes";
import { districts } from "@/lib/admin/districts";

const routes = collectionRoutes(districts);

// GET /api/admin/districts – list districts, ordered by id
export const GET = routes.GET;

// POST /api/admin/districts – create a district
export const POST = routes.POST;

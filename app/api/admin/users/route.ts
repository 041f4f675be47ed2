import { collectionRoutes } from "@/lib/admin/routes";
import { users } from "@/lib/admin/users";

const routes = collectionRoutes(users);

// GET /api/admin/users – list users, ordered by id
export const GET = routes.GET;

// POST /api/admin/users – create a user
export const POST = routes.POST;

import { withAuth } from "next-auth/middleware";
import { env } from "./lib/env";

// First line of defence only: pages and routes check the session server-side themselves.
export default withAuth({ pages: { signIn: "/login" }, secret: env.NEXTAUTH_SECRET });

export const config = { matcher: ["/map/:path*", "/admin/:path*"] };

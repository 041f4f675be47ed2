import type { AuthOptions, User as NextAuthUser } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { prisma } from "../db";
import { env } from "../env";
import { log } from "../log";
import { toScope, type Scope } from "../scope";
import { clearLoginFailures, loginRetryAfter, recordLoginFailure } from "./login-throttle";
import { verifyPassword } from "./password";

/** The signed-in user as the session exposes it (DESIGN §8). */
export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: "ADMIN" | "COMMANDER";
  scope: Scope;
}

const credentialsSchema = z.object({ email: z.string().trim().toLowerCase().email().max(254), password: z.string().min(1).max(256) });

/** Message shown when the email or password is wrong (never says which). */
export const WRONG_CREDENTIALS = "Wrong email or password.";

function clientIp(headers: Record<string, unknown> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  const first = typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : undefined;
  return first || "unknown";
}

/** next-auth configuration: Credentials provider `credentials`, JWT sessions. */
export const authOptions: AuthOptions = {
  secret: env.NEXTAUTH_SECRET,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const parsed = credentialsSchema.safeParse(credentials ?? {});
        if (!parsed.success) throw new Error(WRONG_CREDENTIALS);
        const { email, password } = parsed.data;
        const ip = clientIp(req.headers);
        const wait = await loginRetryAfter(email, ip);
        if (wait > 0) {
          log.warn({ email, ip }, "login throttled");
          throw new Error(`Too many failed attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`);
        }
        const user = await prisma.user.findUnique({ where: { email } });
        const ok = user ? await verifyPassword(user.passwordHash, password) : false;
        if (!user || !ok) {
          await recordLoginFailure(email, ip);
          log.info({ email, ip }, "login failed");
          throw new Error(WRONG_CREDENTIALS);
        }
        await clearLoginFailures(email);
        log.info({ userId: user.id }, "login");
        const sessionUser: SessionUser = {
          id: user.id,
          email: user.email,
          name: user.name,
          role: user.role,
          scope: toScope(user.scopeLevel, user.scopeId),
        };
        return sessionUser as unknown as NextAuthUser;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        const u = user as unknown as SessionUser;
        token.uid = u.id;
        token.role = u.role;
        token.scope = u.scope;
      }
      return token;
    },
    session({ session, token }) {
      session.user = {
        ...session.user,
        id: token.uid as number,
        role: token.role as SessionUser["role"],
        scope: token.scope as Scope,
      } as typeof session.user;
      return session;
    },
  },
};

import type { AuthOptions, User as NextAuthUser } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { prisma } from "../db";
import { redis, redisPrefix } from "../redis/client";
import { env } from "../env";
import { clientAddress, peerAddressesRecorded, UNKNOWN_CLIENT } from "../http/client-address";
import { log } from "../log";
import { toScope, type Scope } from "../scope";
import { writeUserAccess } from "./access-state";
import { clearLoginFailures, loginRetryAfter, recordLoginFailure } from "./login-throttle";
import { verifyPasswordOrDummy } from "./password";

/** The signed-in user as the session exposes it (docs/ARCHITECTURE.md §9). */
export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: "ADMIN" | "COMMANDER";
  scope: Scope;
  /** The user's session version when this session was issued; a session of an older one is refused (lib/auth/session.ts). */
  sessionVersion: number;
}

const credentialsSchema = z.object({ email: z.string().trim().toLowerCase().email().max(254), password: z.string().min(1).max(256) });

/** Message shown when the email or password is wrong (never says which). */
export const WRONG_CREDENTIALS = "Wrong email or password.";

let warnedUnrecorded = false;

/**
 * The client IP for the per-IP login limit (see lib/http/client-address.ts): the TCP peer, or the address our
 * `TRUSTED_PROXY_HOPS` proxies put in X-Forwarded-For — never a value the client chose.
 */
function clientIp(headers: Record<string, unknown> | undefined): string {
  if (peerAddressesRecorded()) return clientAddress(headers, env.TRUSTED_PROXY_HOPS);
  if (!warnedUnrecorded) {
    warnedUnrecorded = true;
    log.warn("peer addresses are not recorded in this process (instrumentation.ts did not run): every login shares one per-IP limit");
  }
  return UNKNOWN_CLIENT;
}

/** A refusal whose message the login page may show as it is. */
class LoginRefusal extends Error {}

/** Checks email and password (with throttling) and returns the session user; throws LoginRefusal when refused. */
async function authorizeCredentials(credentials: unknown, headers: Record<string, unknown> | undefined): Promise<NextAuthUser> {
  const parsed = credentialsSchema.safeParse(credentials ?? {});
  if (!parsed.success) throw new LoginRefusal(WRONG_CREDENTIALS);
  const { email, password } = parsed.data;
  const ip = clientIp(headers);
  const wait = await loginRetryAfter(email, ip);
  if (wait) {
    log.warn({ email, ip, reason: wait.reason }, "login throttled");
    const minutes = Math.ceil(wait.seconds / 60);
    throw new LoginRefusal(
      wait.reason === "account"
        ? `Too many failed attempts for this account from your address. Try again in ${minutes} minute(s).`
        : `Too many failed attempts from your address. Try again in ${minutes} minute(s).`,
    );
  }
  const user = await prisma.user.findUnique({ where: { email } });
  // An unknown email costs the same argon2 work as a wrong password, so the answer's timing does not tell them apart.
  const ok = await verifyPasswordOrDummy(user?.passwordHash, password);
  if (!user || !ok) {
    await recordLoginFailure(email, ip);
    log.info({ email, ip }, "login failed");
    const reason = user ? "wrong password" : "unknown email";
    await recordAudit({ action: "login.failure", actor: { userId: user?.id ?? null, email, ip }, detail: { reason } });
    throw new LoginRefusal(WRONG_CREDENTIALS);
  }
  if (user.disabled) {
    log.info({ userId: user.id, ip }, "login refused: account disabled");
    await recordAudit({ action: "login.failure", actor: { userId: user.id, email, ip }, detail: { reason: "account disabled" } });
    throw new LoginRefusal("This account is disabled. Ask an administrator.");
  }
  await clearLoginFailures(email, ip);
  // Sessions are checked against this hash on every request; make sure it is there (it may predate a Redis restart).
  await writeUserAccess(redis(), redisPrefix, user, false).catch((err: unknown) => log.warn({ err: String(err) }, "access hash not written at login"));
  log.info({ userId: user.id }, "login");
  await recordAudit({ action: "login.success", actor: { userId: user.id, email, ip }, target: `user:${user.id}` });
  const sessionUser: SessionUser = {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    scope: toScope(user.scopeLevel, user.scopeId),
    sessionVersion: user.sessionVersion,
  };
  return sessionUser as unknown as NextAuthUser;
}

/** How long a session lasts: 12 hours (one shift). */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** next-auth configuration: Credentials provider `credentials`, JWT sessions. */
export const authOptions: AuthOptions = {
  secret: env.NEXTAUTH_SECRET,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        try {
          return await authorizeCredentials(credentials, req.headers);
        } catch (err) {
          if (err instanceof LoginRefusal) throw err;
          // next-auth shows an authorize error's message on the login page: never let a driver's text (hosts, ports) through.
          log.error({ err: String(err) }, "login could not be checked");
          throw new Error("Sign-in is unavailable right now; try again in a minute.");
        }
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
        token.sv = u.sessionVersion;
      }
      return token;
    },
    session({ session, token }) {
      session.user = {
        ...session.user,
        id: token.uid as number,
        role: token.role as SessionUser["role"],
        scope: token.scope as Scope,
        sessionVersion: token.sv as number,
      } as typeof session.user;
      return session;
    },
  },
};

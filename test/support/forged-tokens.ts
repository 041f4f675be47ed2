import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { encode } from "next-auth/jwt";
import { TICKET_AUDIENCE, VEHICLE_AUDIENCE } from "@/lib/auth/tokens";
import type { Scope } from "@/lib/scope";
import { TEST_SECRETS } from "./secrets";

/**
 * Tokens an attacker could build, for tests that prove each is refused: a
 * wrong signing key, `alg: none`, an expired one, a payload edited after
 * signing. Claims mirror lib/auth/tokens.ts exactly, so only the flaw differs.
 */

/** A key the server does not have. */
export const WRONG_KEY = "not-the-server-key-0123456789abcdef0123456789";

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

/** A device token for `vehicleId`, signed with `key`, expiring at `exp` (epoch seconds; default in an hour). */
export function deviceToken(vehicleId: number, key: string, exp = now() + 3600): Promise<string> {
  return new SignJWT({ gen: 0 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("sentinel")
    .setAudience(VEHICLE_AUDIENCE)
    .setSubject(`vehicle:${vehicleId}`)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(key));
}

/** A realtime ticket for `userId` with `scope`, signed with `key`, expiring at `exp` (epoch seconds; default in a minute). */
export function realtimeTicket(userId: number, scope: Scope, key: string, exp = now() + 60): Promise<string> {
  return new SignJWT({ role: "COMMANDER", scope, sv: 0, ims: Date.now() })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("sentinel")
    .setAudience(TICKET_AUDIENCE)
    .setSubject(`user:${userId}`)
    .setJti(randomBytes(16).toString("base64url"))
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(key));
}

/** An unsigned token (`alg: none`, empty signature) with `payload`. */
export function unsignedToken(payload: Record<string, unknown>): string {
  return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(payload)}.`;
}

/** The claims of a device token or ticket for `audience`, valid for an hour. */
export function claims(audience: string, subject: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: "sentinel", aud: audience, sub: subject, iat: now(), exp: now() + 3600, ...extra };
}

/** `token` with its payload edited by `edit`, header and signature kept: what tampering in transit looks like. */
export function tamperedToken(token: string, edit: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  return `${header}.${b64url(edit(decoded))}.${signature}`;
}

/** A next-auth session cookie for an admin, encrypted with a key the server does not have. */
export async function forgedSessionCookie(userId: number): Promise<string> {
  const token = await encode({
    token: { uid: userId, role: "ADMIN", scope: { level: "city", id: null }, email: "admin@sentinel.local" },
    secret: WRONG_KEY,
  });
  return `next-auth.session-token=${token}`;
}

/** The server's own keys, for tokens that are valid except for the one flaw under test. */
export const SERVER_KEYS = { vehicle: TEST_SECRETS.VEHICLE_TOKEN_SECRET, ticket: TEST_SECRETS.REALTIME_TICKET_SECRET } as const;

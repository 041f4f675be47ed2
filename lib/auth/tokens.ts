import { SignJWT, errors, jwtVerify } from "jose";
import { z } from "zod";
import { env } from "../env";
import { AppError } from "../errors";
import { scopeSchema, type Scope } from "../scope";

const ISSUER = "sentinel";
/** Audience of vehicle device tokens. */
export const VEHICLE_AUDIENCE = "sentinel:vehicle";
/** Audience of realtime tickets. */
export const TICKET_AUDIENCE = "sentinel:realtime";
/** Realtime ticket lifetime: 60 s (only long enough to open the socket). */
export const TICKET_TTL_SECONDS = 60;

const encoder = new TextEncoder();
const vehicleKey = encoder.encode(env.VEHICLE_TOKEN_SECRET);
const ticketKey = encoder.encode(env.REALTIME_TICKET_SECRET);

/** Issues a device token for a vehicle, valid `VEHICLE_TOKEN_TTL_SECONDS` (default 12 h). */
export async function signVehicleToken(vehicleId: number): Promise<{ token: string; expiresAt: number }> {
  const exp = Math.floor(Date.now() / 1000) + env.VEHICLE_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(VEHICLE_AUDIENCE)
    .setSubject(`vehicle:${vehicleId}`)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(vehicleKey);
  return { token, expiresAt: exp * 1000 };
}

/** Verifies a device token and returns its vehicle id; 401 INVALID_TOKEN otherwise. */
export async function verifyVehicleToken(token: string): Promise<number> {
  const cached = verifiedVehicleTokens.get(token);
  if (cached && cached.expiresAtMs > Date.now()) return cached.vehicleId;
  const payload = await verifyJwt(token, vehicleKey, VEHICLE_AUDIENCE, "device token");
  const match = /^vehicle:(\d+)$/.exec(payload.sub ?? "");
  if (!match) throw new AppError("INVALID_TOKEN", "The device token does not name a vehicle; request a new one.");
  const vehicleId = Number(match[1]);
  if (verifiedVehicleTokens.size >= MAX_CACHED_TOKENS) verifiedVehicleTokens.delete(verifiedVehicleTokens.keys().next().value!);
  verifiedVehicleTokens.set(token, { vehicleId, expiresAtMs: (payload.exp ?? 0) * 1000 });
  return vehicleId;
}

/**
 * Device tokens this process has verified, by their exact text, until they
 * expire: a vehicle presents the same token on every point, and checking the
 * signature again each time is the largest cost of the hot path after Next's
 * own. Bounded (oldest evicted first); a token is only ever found by its full
 * signed text, so nothing unverified can match.
 */
const verifiedVehicleTokens = new Map<string, { vehicleId: number; expiresAtMs: number }>();
/** Upper bound of that cache: 20,000 tokens (~4 MB), far above a city's fleet. */
const MAX_CACHED_TOKENS = 20_000;

/** What a realtime ticket carries. */
export interface TicketClaims {
  userId: number;
  role: "ADMIN" | "COMMANDER";
  scope: Scope;
}

const ticketClaimsSchema = z.object({
  role: z.enum(["ADMIN", "COMMANDER"]),
  scope: scopeSchema,
});

/** Issues a short-lived (60 s) ticket for opening one realtime connection. */
export async function signRealtimeTicket(claims: TicketClaims): Promise<{ ticket: string; expiresAt: number }> {
  const exp = Math.floor(Date.now() / 1000) + TICKET_TTL_SECONDS;
  const ticket = await new SignJWT({ role: claims.role, scope: claims.scope })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(TICKET_AUDIENCE)
    .setSubject(`user:${claims.userId}`)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(ticketKey);
  return { ticket, expiresAt: exp * 1000 };
}

/** Verifies a realtime ticket; throws AppError INVALID_TOKEN when missing, forged, expired or malformed. */
export async function verifyRealtimeTicket(ticket: string): Promise<TicketClaims> {
  const payload = await verifyJwt(ticket, ticketKey, TICKET_AUDIENCE, "realtime ticket");
  const match = /^user:(\d+)$/.exec(payload.sub ?? "");
  const claims = ticketClaimsSchema.safeParse(payload);
  if (!match || !claims.success) throw new AppError("INVALID_TOKEN", "The realtime ticket is malformed.");
  return { userId: Number(match[1]), role: claims.data.role, scope: claims.data.scope };
}

async function verifyJwt(token: string, key: Uint8Array, audience: string, what: string) {
  if (!token) throw new AppError("INVALID_TOKEN", `The ${what} is missing.`);
  try {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience, algorithms: ["HS256"] });
    return payload;
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new AppError("INVALID_TOKEN", `The ${what} has expired; request a new one.`);
    throw new AppError("INVALID_TOKEN", `The ${what} is not valid; request a new one.`);
  }
}

/** Extracts the bearer token from an Authorization header; 401 when absent. */
export function bearerToken(req: Request): string {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) {
    throw new AppError("UNAUTHENTICATED", 'Send the device token as "Authorization: Bearer <token>" (from POST /api/vehicles/token).');
  }
  return match[1];
}

/** The vehicle id of the request's bearer device token; 401 when missing, forged or expired. */
export function authenticateVehicle(req: Request): Promise<number> {
  return verifyVehicleToken(bearerToken(req));
}

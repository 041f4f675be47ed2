import { randomBytes } from "node:crypto";
import { SignJWT, errors, jwtVerify } from "jose";
import { z } from "zod";
import { env } from "../env";
import { AppError } from "../errors";
import { placementClaim, placementClaimSchema, type Placement } from "../realtime/placement";
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

/** Who a device token authenticates: the vehicle, and the token generation it was issued under. */
export interface DeviceIdentity {
  vehicleId: number;
  /** `vehicles.tokenGeneration` at issue; disabling the vehicle or rotating its secret moves it on, refusing the token. */
  generation: number;
}

/** Issues a device token for a vehicle of token generation `generation`, valid `VEHICLE_TOKEN_TTL_SECONDS` (default 12 h). */
export async function signVehicleToken(vehicleId: number, generation: number): Promise<{ token: string; expiresAt: number }> {
  const exp = Math.floor(Date.now() / 1000) + env.VEHICLE_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({ gen: generation })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(VEHICLE_AUDIENCE)
    .setSubject(`vehicle:${vehicleId}`)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(vehicleKey);
  return { token, expiresAt: exp * 1000 };
}

/**
 * Verifies a device token's signature and expiry and returns whom it names; 401 INVALID_TOKEN otherwise.
 * Whether its generation is still current is checked where the vehicle is read anyway: in the telemetry
 * script (Redis) and in start/stop (PostgreSQL), on every request — so the cache below cannot keep a revoked token alive.
 */
export async function verifyVehicleToken(token: string): Promise<DeviceIdentity> {
  const cached = verifiedVehicleTokens.get(token);
  if (cached && cached.expiresAtMs > Date.now()) return cached.identity;
  const payload = await verifyJwt(token, vehicleKey, VEHICLE_AUDIENCE, "device token");
  const match = /^vehicle:(\d+)$/.exec(payload.sub ?? "");
  // Tokens issued before generations existed carry none: generation 0, the one every vehicle starts with.
  const generation = payload.gen ?? 0;
  if (!match || typeof generation !== "number" || !Number.isSafeInteger(generation)) {
    throw new AppError("INVALID_TOKEN", "The device token does not name a vehicle; request a new one.");
  }
  const identity = { vehicleId: Number(match[1]), generation };
  if (verifiedVehicleTokens.size >= MAX_CACHED_TOKENS) verifiedVehicleTokens.delete(verifiedVehicleTokens.keys().next().value!);
  verifiedVehicleTokens.set(token, { identity, expiresAtMs: (payload.exp ?? 0) * 1000 });
  return identity;
}

/**
 * Device tokens this process has verified, by their exact text, until they
 * expire: a vehicle presents the same token on every point, and checking the
 * signature again each time is the largest cost of the hot path after Next's
 * own. Bounded (oldest evicted first); a token is only ever found by its full
 * signed text, so nothing unverified can match.
 */
const verifiedVehicleTokens = new Map<string, { identity: DeviceIdentity; expiresAtMs: number }>();
/** Upper bound of that cache: 20,000 tokens (~4 MB), far above a city's fleet. */
const MAX_CACHED_TOKENS = 20_000;

/** Whom a realtime ticket admits, and with what access. */
export interface TicketClaims {
  userId: number;
  role: "ADMIN" | "COMMANDER";
  scope: Scope;
  /** The user's session version at issue (lib/auth/access-state.ts); default 0, a user whose access never changed. */
  sessionVersion?: number;
  /** Where the sidecar should place the socket (lib/realtime/placement.ts); absent: placed by its scope alone. */
  placement?: Placement | null;
}

/** A verified ticket: its claims, plus what makes it single-use. */
export interface VerifiedTicket extends TicketClaims {
  sessionVersion: number;
  /** Unique id, consumed at the sidecar so the ticket opens one socket only. */
  jti: string;
  /** When it expires (epoch ms): its used-mark need not outlive this. */
  expiresAtMs: number;
  /** When it was issued (epoch ms): one issued before Redis last restarted empty is refused (its used-mark may be lost). */
  issuedAtMs: number;
}

const ticketClaimsSchema = z.object({
  role: z.enum(["ADMIN", "COMMANDER"]),
  scope: scopeSchema,
  sv: z.number().int().min(0),
  iat: z.number().int().positive(),
  /** Issued-at in milliseconds (`iat` has seconds only); absent from tickets of a web tier older than the sidecar. */
  ims: z.number().int().positive().optional(),
  jti: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  exp: z.number().int().positive(),
  pl: placementClaimSchema.optional(),
});

/** Issues a short-lived (60 s) ticket for opening one realtime connection, with a fresh random `jti`. */
export async function signRealtimeTicket(claims: TicketClaims): Promise<{ ticket: string; expiresAt: number }> {
  const now = Date.now();
  const exp = Math.floor(now / 1000) + TICKET_TTL_SECONDS;
  const placement = claims.placement ? { pl: placementClaim(claims.placement) } : {};
  const ticket = await new SignJWT({ role: claims.role, scope: claims.scope, sv: claims.sessionVersion ?? 0, ims: now, ...placement })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(TICKET_AUDIENCE)
    .setSubject(`user:${claims.userId}`)
    .setJti(randomBytes(16).toString("base64url"))
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(ticketKey);
  return { ticket, expiresAt: exp * 1000 };
}

/** Verifies a realtime ticket; throws AppError INVALID_TOKEN when missing, forged, expired or malformed. */
export async function verifyRealtimeTicket(ticket: string): Promise<VerifiedTicket> {
  const payload = await verifyJwt(ticket, ticketKey, TICKET_AUDIENCE, "realtime ticket");
  const match = /^user:(\d+)$/.exec(payload.sub ?? "");
  const claims = ticketClaimsSchema.safeParse(payload);
  if (!match || !claims.success) throw new AppError("INVALID_TOKEN", "The realtime ticket is malformed; request a new one.");
  const { role, scope, sv, jti, exp, iat, ims, pl } = claims.data;
  return {
    userId: Number(match[1]),
    role,
    scope,
    sessionVersion: sv,
    jti,
    expiresAtMs: exp * 1000,
    issuedAtMs: ims ?? iat * 1000,
    placement: pl ? { districtId: pl.d, ...(pl.z === undefined ? {} : { zoneId: pl.z }) } : null,
  };
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

/** 401 for a device token of an older generation: the vehicle was disabled, or its secret rotated, since it was issued. */
export function tokenRevoked(): AppError {
  return new AppError(
    "INVALID_TOKEN",
    "This device token was revoked (the vehicle was disabled or its secret rotated); request a new one with the current secret.",
  );
}

/** 403 for a device of a disabled vehicle (a token request, a patrol action, a phone's point). */
export function vehicleDisabled(): AppError {
  return new AppError("VEHICLE_DISABLED", "This vehicle is disabled. Ask an admin to enable it.");
}

/** Whom the request's bearer device token names; 401 when missing, forged or expired. */
export function authenticateVehicle(req: Request): Promise<DeviceIdentity> {
  return verifyVehicleToken(bearerToken(req));
}

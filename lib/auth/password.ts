import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/** Hashes a user's password with argon2id (slow on purpose: passwords are guessable). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

/** Checks a password against its argon2 hash; false for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash of a random password with the same parameters as every stored one, made once per process. */
let dummyHash: Promise<string> | undefined;

/**
 * Checks `password` against `passwordHash`, or, when there is no such account
 * (`passwordHash` undefined), against a dummy hash made with the same
 * parameters and answers false: both cases cost one argon2 verification, so
 * the time of the answer does not reveal whether the account exists.
 */
export async function verifyPasswordOrDummy(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (passwordHash !== undefined) return verifyPassword(passwordHash, password);
  dummyHash ??= hashPassword(randomBytes(32).toString("base64url"));
  await verifyPassword(await dummyHash, password);
  return false;
}

/**
 * A new device secret: 32 random bytes, base64url. Being high-entropy it
 * cannot be brute-forced, so a fast SHA-256 hash protects it at rest.
 */
export function newDeviceSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Stored form of a device secret. */
export function hashDeviceSecret(secret: string): string {
  return `sha256:${createHash("sha256").update(secret).digest("hex")}`;
}

/** Constant-time comparison of a presented device secret with its stored hash. */
export function verifyDeviceSecret(storedHash: string, secret: string): boolean {
  const a = Buffer.from(storedHash);
  const b = Buffer.from(hashDeviceSecret(secret));
  return a.length === b.length && timingSafeEqual(a, b);
}

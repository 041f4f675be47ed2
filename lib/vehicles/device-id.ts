import { createHash, randomBytes } from "node:crypto";
import type { ChainableCommander } from "ioredis";
import { deviceVehicleKey } from "../redis/keys";

/**
 * Device ids: the credential of a phone or GPS unit speaking the OsmAnd protocol (DESIGN §11). Issued by Sentinel
 * (`POST /api/admin/vehicles/{id}/device-id`), 160 random bits written as 32 characters of a 32-letter alphabet
 * without look-alikes (no 0/o, 1/l), in groups of four so a person can type one into Traccar Client:
 * `k7qm-2xv9-…`. Case, spaces and dashes do not matter when a device sends it back. Only its SHA-256 is kept
 * (PostgreSQL `vehicles.deviceIdHash`, Redis `device:{sha256}:vehicle`): a fast hash is right for 160 random bits,
 * and lets the hot path find the vehicle without SQL.
 */

const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
const LENGTH = 32;

/** A new device id (160 bits of randomness). */
export function newDeviceId(): string {
  const bytes = randomBytes(LENGTH);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]!).join("");
  return chars.match(/.{4}/g)!.join("-");
}

/** The canonical form of a device id as a device sent it, or null when it cannot be one of ours. */
export function normalizeDeviceId(text: string): string | null {
  const id = text.toLowerCase().replace(/[\s-]/g, "");
  return id.length === LENGTH && [...id].every((c) => ALPHABET.includes(c)) ? id : null;
}

/** SHA-256 (hex) of a device id (any form of it). */
export function hashDeviceId(deviceId: string): string {
  return createHash("sha256")
    .update(normalizeDeviceId(deviceId) ?? deviceId)
    .digest("hex");
}

/** What `device:{sha256}:vehicle` holds for a vehicle: its id, or `disabled:{id}` while it is disabled. */
export const deviceKeyValue = (vehicleId: number, enabled: boolean) => (enabled ? String(vehicleId) : `disabled:${vehicleId}`);

/** Reads a device key's value back: the vehicle and whether it is enabled, or null for anything else. */
export function parseDeviceKeyValue(value: string | null): { vehicleId: number; enabled: boolean } | null {
  const match = value ? /^(disabled:)?(\d+)$/.exec(value) : null;
  return match ? { vehicleId: Number(match[2]), enabled: !match[1] } : null;
}

/** Queues the device key of every vehicle with a device id (the state-plane rebuild's MULTI). */
export function queueDeviceKeys(
  batch: ChainableCommander,
  prefix: string,
  vehicles: { id: number; enabled: boolean; deviceIdHash: string | null }[],
): void {
  for (const v of vehicles) if (v.deviceIdHash) batch.set(deviceVehicleKey(prefix, v.deviceIdHash), deviceKeyValue(v.id, v.enabled));
}

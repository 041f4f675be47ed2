import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FleetRequest } from "./fleet";

/**
 * Simulated phones (`--phones N`): units that report over the OsmAnd protocol (`/api/osmand`) as Traccar Client does,
 * with a device id the simulator had issued through the admin API. Those ids are kept in a file beside the journal
 * (private to this user) so the next run reuses them; a vehicle whose device id someone else set up (a real phone) is
 * never taken, so the simulator cannot revoke it.
 */

/** File of the simulator's device ids for its journal `journalFile`: `…-phones.json`, `{vehicleId: deviceId}`. */
export const phonesFile = (journalFile: string) => journalFile.replace(/\.json$/, "") + "-phones.json";

/** A vehicle as the admin API lists it, as far as choosing phones goes. */
export interface PhoneCandidate {
  id: number;
  deviceIdIssuedAt?: number | null;
}

/**
 * Device ids for up to `want` of `vehicles` (in their order): the simulator's own from `file` where it has one, else a
 * new one for a vehicle with none. Issuing needs the admin's `cookie`. Throws when issuing fails.
 */
export async function simulatedPhones(request: FleetRequest, cookie: string, vehicles: readonly PhoneCandidate[], want: number, file: string): Promise<Map<number, string>> {
  const known = readPhones(file);
  const chosen = new Map<number, string>();
  for (const v of vehicles) {
    if (chosen.size >= want) break;
    const mine = known.get(v.id);
    if (mine && v.deviceIdIssuedAt != null) chosen.set(v.id, mine);
    else if (v.deviceIdIssuedAt == null) {
      const res = await request("POST", `/api/admin/vehicles/${v.id}/device-id`, undefined, { cookie });
      if (res.status !== 200) throw new Error(`Setting up a phone for vehicle ${v.id} failed (HTTP ${res.status}): ${JSON.stringify(res.body).slice(0, 200)}`);
      chosen.set(v.id, res.body.deviceId as string);
      known.set(v.id, res.body.deviceId as string);
      writePhones(file, known);
    }
  }
  return chosen;
}

function readPhones(file: string): Map<number, string> {
  try {
    return new Map(Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>).map(([id, deviceId]) => [Number(id), deviceId]));
  } catch {
    return new Map();
  }
}

function writePhones(file: string, phones: Map<number, string>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(Object.fromEntries(phones)), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

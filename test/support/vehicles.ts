import { hashDeviceSecret } from "@/lib/auth/password";
import { prisma } from "@/lib/db";
import { seededVehicleSecret } from "@/lib/seed/seed";
import { call, DEMO } from "./http";

/** A seeded vehicle with a device token. */
export interface TestVehicle {
  id: number;
  callSign: string;
  homeStationId: number;
  token: string;
}

/** Device token for a seeded vehicle, obtained over HTTP like a real device. */
export async function vehicleToken(vehicleId: number, callSign: string): Promise<string> {
  const res = await call("/api/vehicles/token", { body: { vehicleId, secret: seededVehicleSecret(DEMO.password, callSign) } });
  if (res.status !== 200) throw new Error(`token for ${callSign}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/**
 * Seeded vehicles that are not on patrol, each with a token; `where` narrows
 * them (e.g. by home station). Vehicles are taken once per test file run; only those whose
 * device secret is still the seed's are candidates (other suites rotate secrets and add vehicles).
 */
export async function idleVehicles(count: number, where: { homeStationId?: number; notHomeStationIds?: number[] } = {}): Promise<TestVehicle[]> {
  const candidates = await prisma.vehicle.findMany({
    where: {
      enabled: true,
      patrols: { none: { status: "ACTIVE" } },
      homeStationId: where.homeStationId ?? (where.notHomeStationIds ? { notIn: where.notHomeStationIds } : undefined),
      id: { notIn: [...taken] },
    },
    orderBy: { id: "asc" },
  });
  const rows = candidates.filter((r) => r.secretHash === hashDeviceSecret(seededVehicleSecret(DEMO.password, r.callSign))).slice(0, count);
  if (rows.length < count) throw new Error(`only ${rows.length} idle vehicles match ${JSON.stringify(where)}`);
  rows.forEach((r) => taken.add(r.id));
  return Promise.all(rows.map(async (r) => ({ id: r.id, callSign: r.callSign, homeStationId: r.homeStationId, token: await vehicleToken(r.id, r.callSign) })));
}

const taken = new Set<number>();

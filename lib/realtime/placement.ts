import { z } from "zod";
import type { Scope, UnitChain } from "../scope";

/**
 * Where a dashboard's socket belongs in the realtime cluster: the district and zone above (or at) its scope. The
 * sidecar's primary reads it from the ticket to hand sockets of the same zone to the same worker, so a worker
 * subscribes to the channels of a few zones instead of the whole city (realtime/placement.ts). Only a hint for
 * placement: what a socket may see still comes from its verified scope and the access plane.
 */
export interface Placement {
  districtId: number;
  /** Absent for a district-wide scope. */
  zoneId?: number;
}

/** The `pl` claim of a realtime ticket. */
export const placementClaimSchema = z.object({ d: z.number().int().positive(), z: z.number().int().positive().optional() });

export type PlacementClaim = z.infer<typeof placementClaimSchema>;

/** The ticket's `pl` claim for `placement`. */
export function placementClaim(placement: Placement): PlacementClaim {
  return placement.zoneId === undefined ? { d: placement.districtId } : { d: placement.districtId, z: placement.zoneId };
}

/** The placement of a scope whose unit has this chain (any station of it for a division or zone); null for the city. */
export function placementOf(scope: Scope, chain: Pick<UnitChain, "zoneId" | "districtId">): Placement | null {
  switch (scope.level) {
    case "city":
      return null;
    case "district":
      return { districtId: chain.districtId };
    default:
      return { districtId: chain.districtId, zoneId: chain.zoneId };
  }
}

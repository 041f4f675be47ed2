import { placementClaimSchema } from "../lib/realtime/placement";
import { scopeSchema } from "../lib/scope";
import { z } from "zod";

/**
 * Scope-affine placement: which worker a dashboard's socket goes to.
 *
 * A worker subscribes to the data channel of every patrol one of its sockets may see, so a worker holding one
 * city-wide dashboard and a station chief of every zone receives every point, like a firehose. Placing the sockets of
 * one zone (its stations, divisions and the zone itself) on the same worker, and the few district- and city-wide
 * dashboards together on one, lets each worker subscribe to a few zones' channels: Redis sends a point to the worker
 * of its zone and the one of the wide dashboards, not to every worker.
 *
 * Balance comes first: a worker takes more sockets of its zone only while it holds at most (1 + SLACK) times the
 * average; past that the zone spills onto the least-loaded worker (a hot spot — every station chief watching one
 * incident — is spread, not piled onto one event loop). Among equally loaded workers the choice rotates, so an empty
 * cluster fills evenly.
 */

/** How far above the average a worker may grow before its zones spill onto others: 25 %. */
export const SLACK = 0.25;

/** Sockets a worker may always take, however few the cluster holds (else the first sockets of a zone would scatter). */
export const SPILL_FLOOR = 100;

/** The placement unit of a socket and the group it prefers to join. */
export interface PlacementTarget {
  /** Sockets with the same key go to the same worker while it has room: e.g. `zone:12`, `district:3`, `city`. */
  key: string;
  /** Workers holding sockets of this group are preferred for a key new to the cluster (district- and city-wide dashboards). */
  group: string | null;
}

/**
 * The group of district- and city-wide dashboards: few, but each needs every point of a district or the city. Kept
 * together they cost Redis one more copy of each point (to their worker), not one per worker they would be spread on.
 */
const WIDE = "wide";

/** Where a socket goes when its request is not a dashboard's (health checks, metrics, bad requests). */
export const ANY: PlacementTarget = { key: "any", group: null };

const ticketPayloadSchema = z.object({ scope: scopeSchema, pl: placementClaimSchema.optional() });

/**
 * The placement target of an upgrade request's ticket, read from the JWT's payload WITHOUT verifying it: this only
 * decides which worker verifies it (a forged ticket lands somewhere and is refused there). `ANY` when the request
 * carries no readable ticket.
 */
export function targetOfTicket(ticket: string | null): PlacementTarget {
  const payload = ticket?.split(".")[1];
  if (!payload) return ANY;
  let claims;
  try {
    claims = ticketPayloadSchema.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
  } catch {
    return ANY;
  }
  if (!claims.success) return ANY;
  const { scope, pl } = claims.data;
  if (pl?.z !== undefined) return { key: `zone:${pl.z}`, group: null };
  if (pl) return { key: `district:${pl.d}`, group: WIDE };
  return scope.level === "city" ? { key: "city", group: WIDE } : { key: `${scope.level}:${scope.id}`, group: null };
}

interface WorkerLoad {
  sockets: number;
  /** Open sockets by placement key. */
  byKey: Map<string, number>;
  /** Open sockets by group. */
  byGroup: Map<string, number>;
}

/**
 * The primary's book of which worker holds how many sockets of which placement key. `place` chooses a worker and
 * counts the socket; `release` forgets it when the worker reports it closed; a worker that dies is `remove`d with all
 * its sockets (their browsers reconnect and are placed again).
 */
export class Placer {
  private readonly workers = new Map<number, WorkerLoad>();
  private total = 0;
  /** Rotates the choice among equally loaded workers. */
  private cursor = 0;

  /** A worker ready to take sockets. */
  add(workerId: number): void {
    if (!this.workers.has(workerId)) this.workers.set(workerId, { sockets: 0, byKey: new Map(), byGroup: new Map() });
  }

  /** A worker gone: its sockets are gone with it. */
  remove(workerId: number): void {
    const load = this.workers.get(workerId);
    if (!load) return;
    this.total -= load.sockets;
    this.workers.delete(workerId);
  }

  /** Chooses the worker for a socket of `target` and counts it there; null when no worker is ready. */
  place(target: PlacementTarget): number | null {
    if (this.workers.size === 0) return null;
    // Health checks and metrics scrapes are not dashboards: dealt out in turn and not counted (an HTTP client's idle
    // keep-alive connection would otherwise weigh on a worker's load for as long as the client keeps it).
    if (target.key === ANY.key) return [...this.workers.keys()][this.cursor++ % this.workers.size]!;
    const bound = Math.max(SPILL_FLOOR, Math.ceil(((this.total + 1) / this.workers.size) * (1 + SLACK)));
    const roomy = [...this.workers].filter(([, load]) => load.sockets < bound);
    const withKey = roomy.filter(([, load]) => load.byKey.has(target.key));
    const withGroup = target.group === null ? [] : roomy.filter(([, load]) => load.byGroup.has(target.group!));
    const candidates = withKey.length > 0 ? withKey : withGroup.length > 0 ? withGroup : [...this.workers];
    const workerId = this.leastLoaded(candidates);
    const load = this.workers.get(workerId)!;
    load.sockets++;
    this.total++;
    bump(load.byKey, target.key, 1);
    if (target.group !== null) bump(load.byGroup, target.group, 1);
    return workerId;
  }

  /** A socket `place` counted on `workerId` closed. */
  release(workerId: number, target: PlacementTarget): void {
    const load = this.workers.get(workerId);
    if (!load || !load.byKey.has(target.key)) return;
    load.sockets--;
    this.total--;
    bump(load.byKey, target.key, -1);
    if (target.group !== null) bump(load.byGroup, target.group, -1);
  }

  /** Open sockets per worker, for metrics and tests. */
  loads(): Map<number, number> {
    return new Map([...this.workers].map(([id, load]) => [id, load.sockets]));
  }

  private leastLoaded(candidates: Array<[number, WorkerLoad]>): number {
    const fewest = Math.min(...candidates.map(([, load]) => load.sockets));
    const tied = candidates.filter(([, load]) => load.sockets === fewest);
    return tied[this.cursor++ % tied.length]![0];
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

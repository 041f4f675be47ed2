import type { RedisClient } from "../redis/client";
import { resolveBySystem } from "../alerts/resolve-by-system";
import type { PrismaClient } from "../generated/prisma/client";
import { log } from "../log";
import { PATROL_META_SELECT, toPatrolMeta } from "../patrols/patrol-meta";
import { removeActivePatrol } from "../patrols/state-plane";
import { clusterLayout, patrolLastTsKey } from "../redis/keys";

/**
 * The idle sweeper (DESIGN §11): a patrol a device's first point started (`autoStarted`) ends once its unit has sent
 * nothing for `idleMs` — one query for those patrols (a partial index holds exactly them) and one MGET of their last
 * point times per sweep (under Redis Cluster one GET each, sent together), not a timer per vehicle. Run by the history process every minute (or every tenth of the idle
 * time when that is shorter). Each stop is the one a device makes (the row first, conditionally, then one MULTI that
 * clears every plane and sends REMOVE_CAR), marked `endedBy: "idle"`; its SILENT alert, if any, resolves with it.
 * Returns the patrols it stopped.
 */
export async function stopIdlePatrols(prisma: PrismaClient, redis: RedisClient, prefix: string, idleMs: number, now = Date.now()): Promise<number[]> {
  const patrols = await prisma.patrol.findMany({ where: { autoStarted: true, status: "ACTIVE" }, select: PATROL_META_SELECT });
  if (!patrols.length) return [];
  const keys = patrols.map((p) => patrolLastTsKey(prefix, p.id));
  // Under Redis Cluster each patrol's key is in its own slot: one GET each, all at once, instead of the MGET.
  const lastTs = clusterLayout ? await Promise.all(keys.map((key) => redis.get(key))) : await redis.mget(keys);
  const stopped: number[] = [];
  for (const [i, patrol] of patrols.entries()) {
    const last = Math.max(Number(lastTs[i] ?? 0), patrol.startedAt.getTime());
    if (now - last < idleMs) continue;
    const endedAt = new Date(now);
    const ended = await prisma.patrol.updateMany({ where: { id: patrol.id, status: "ACTIVE" }, data: { status: "ENDED", endedAt, endedBy: "idle" } });
    if (!ended.count) continue;
    try {
      await removeActivePatrol(redis, prefix, toPatrolMeta(patrol));
    } catch (err) {
      // Redis away: the patrol stays active everywhere (the next sweep tries again) rather than only in Redis; the
      // other idle patrols are still tried.
      await prisma.patrol.update({ where: { id: patrol.id }, data: { status: "ACTIVE", endedAt: null, endedBy: null } });
      log.warn({ err: String(err), patrolId: patrol.id }, "could not stop an idle patrol in Redis; the next sweep tries again");
      continue;
    }
    await resolveBySystem(prisma, redis, prefix, patrol.id, ["SILENT"]).catch((err: unknown) =>
      log.warn({ err: String(err), patrolId: patrol.id }, "could not resolve the idle patrol's SILENT alert; a commander can"),
    );
    log.info({ patrolId: patrol.id, vehicleId: patrol.vehicleId, idleSeconds: Math.round((now - last) / 1000) }, "idle patrol stopped");
    stopped.push(patrol.id);
  }
  return stopped;
}

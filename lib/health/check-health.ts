import { prisma } from "../db";
import { redis } from "../redis/client";

/** State of each backing service. */
export interface Health {
  db: "ok" | "down";
  redis: "ok" | "down";
}

const within = <T>(work: Promise<T>, ms: number) =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);

/** Pings PostgreSQL and Redis (each within 2 s) and reports which are down. */
export async function checkHealth(): Promise<Health> {
  const [db, r] = await Promise.allSettled([within(prisma.$queryRaw`SELECT 1`, 2_000), within(redis().ping(), 2_000)]);
  return { db: db.status === "fulfilled" ? "ok" : "down", redis: r.status === "fulfilled" ? "ok" : "down" };
}

import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";

/**
 * Longest wait for one query's answer: 5 s. A server that stops answering
 * (frozen, or cut off by the network) otherwise holds requests for as long as
 * TCP keeps the socket open; the timed-out connection is discarded.
 */
const QUERY_TIMEOUT_MS = 5_000;

function createPrismaClient(): PrismaClient {
  // Fail fast when PostgreSQL is down or hangs so callers can answer 503 instead of hanging.
  const adapter = new PrismaPg({
    connectionString: env.DATABASE_URL,
    connectionTimeoutMillis: 3_000,
    query_timeout: QUERY_TIMEOUT_MS,
    max: 10,
  });
  return new PrismaClient({ adapter });
}

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

/** The process's one Prisma client (reused across Next dev reloads). */
export const prisma: PrismaClient = globalForPrisma.prisma ?? createPrismaClient();
if (env.NODE_ENV !== "production") globalForPrisma.prisma = prisma;

export { Prisma } from "./generated/prisma/client";

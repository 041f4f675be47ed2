import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";

function createPrismaClient(): PrismaClient {
  // Fail fast when PostgreSQL is down so callers can answer 503 instead of hanging.
  const adapter = new PrismaPg({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 3_000, max: 10 });
  return new PrismaClient({ adapter });
}

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

/** The process's one Prisma client (reused across Next dev reloads). */
export const prisma: PrismaClient = globalForPrisma.prisma ?? createPrismaClient();
if (env.NODE_ENV !== "production") globalForPrisma.prisma = prisma;

export { Prisma } from "./generated/prisma/client";

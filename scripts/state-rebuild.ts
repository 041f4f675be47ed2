// npm run state:rebuild – rebuild the Redis state plane from PostgreSQL's ACTIVE patrols (idempotent).
import "dotenv/config";
import { prisma } from "../lib/db";
import { rebuildState } from "../lib/patrols/rebuild-state";
import { createRedis, redisPrefix } from "../lib/redis/client";
import { checkServices } from "./services";

async function main() {
  await checkServices();
  const redis = createRedis();
  try {
    const started = Date.now();
    const result = await rebuildState(prisma, redis, redisPrefix);
    console.log(
      `Rebuilt the state plane: ${result.activePatrols} active patrol(s), ${result.removedKeys} old key(s) replaced, in ${Date.now() - started} ms.`,
    );
  } finally {
    redis.disconnect();
    await prisma.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(`State rebuild failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

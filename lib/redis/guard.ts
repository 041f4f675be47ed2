import { ReplyError } from "ioredis";
import { AppError } from "../errors";

/**
 * Awaits a Redis call, turning "Redis is unreachable" (connection refused,
 * closed, timed out) into a 503 the caller can act on. Redis's own replies
 * (`ReplyError`, e.g. a script error) are bugs and propagate as they are.
 */
export async function redisCall<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ReplyError && !/NOSCRIPT|LOADING|BUSY/.test((err as Error).message)) throw err;
    throw new AppError("SERVICE_UNAVAILABLE", "The live-tracking store (Redis) is unavailable; try again shortly.", {}, {
      "Retry-After": "2",
    });
  }
}

import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { redisCall } from "./guard";

const refusal = async (err: Error) => redisCall(Promise.reject(err)).then(() => null, (e: unknown) => e);

describe("redisCall", () => {
  it("answers 503 with Retry-After while a Redis Cluster shard fails over", async () => {
    for (const err of [
      new ReplyError("CLUSTERDOWN The cluster is down"),
      new ReplyError("TRYAGAIN Multiple keys request during rehashing of slot"),
      new Error("Too many Cluster redirections. Last error: Error: Connection is closed."),
      new Error("Failed to refresh slots cache."),
    ]) {
      const answer = await refusal(err);
      expect(answer, err.message).toBeInstanceOf(AppError);
      expect((answer as AppError).code).toBe("SERVICE_UNAVAILABLE");
      expect((answer as AppError).message).toMatch(/shard/);
      expect((answer as AppError).headers).toMatchObject({ "Retry-After": "2" });
    }
  });

  it("answers 503 when Redis is unreachable, and lets Redis's own errors through", async () => {
    expect(((await refusal(new Error("connect ECONNREFUSED 127.0.0.1:6379"))) as AppError).code).toBe("SERVICE_UNAVAILABLE");
    const bug = new ReplyError("ERR Error running script: attempt to compare nil with number");
    expect(await refusal(bug)).toBe(bug);
  });
});

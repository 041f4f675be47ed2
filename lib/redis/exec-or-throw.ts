import type { ChainableCommander } from "ioredis";

/**
 * Runs a queued MULTI or pipeline and returns its replies, throwing the first
 * command's error, or an Error when the transaction was aborted (`exec` gave null),
 * so callers never read a half-failed batch as success.
 */
export async function execOrThrow(batch: ChainableCommander): Promise<[error: Error | null, result: unknown][]> {
  const replies = await batch.exec();
  if (!replies) throw new Error("Redis transaction was aborted");
  const failed = replies.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
  return replies;
}

import { env } from "../env";
import { rateLimitKey } from "../redis/keys";
import { redis, redisPrefix } from "../redis/client";

/** Window over which failed logins are counted: 15 minutes. */
export const LOGIN_WINDOW_SECONDS = 15 * 60;

const accountKey = (email: string) => rateLimitKey(redisPrefix, "login-account", email.toLowerCase(), 0);
const ipKey = (ip: string) => rateLimitKey(redisPrefix, "login-ip", ip, 0);

/**
 * Seconds the caller must wait before another attempt, or 0. An account is
 * locked after `LOGIN_FAILURES_BEFORE_LOCKOUT` failures (default 5) in 15
 * minutes, an IP after four times that (many users may share a control-room IP).
 */
export async function loginRetryAfter(email: string, ip: string): Promise<number> {
  const limit = env.LOGIN_FAILURES_BEFORE_LOCKOUT;
  const r = redis();
  const replies = await r.multi().get(accountKey(email)).get(ipKey(ip)).ttl(accountKey(email)).ttl(ipKey(ip)).exec();
  const [account, byIp, accountTtl, ipTtl] = (replies ?? []).map(([, value]) => Number(value ?? 0));
  if ((account ?? 0) >= limit) return Math.max(1, accountTtl ?? 1);
  if ((byIp ?? 0) >= limit * 4) return Math.max(1, ipTtl ?? 1);
  return 0;
}

/** Counts one failed login against the account and the IP. */
export async function recordLoginFailure(email: string, ip: string): Promise<void> {
  await redis()
    .multi()
    .incr(accountKey(email))
    .expire(accountKey(email), LOGIN_WINDOW_SECONDS, "NX")
    .incr(ipKey(ip))
    .expire(ipKey(ip), LOGIN_WINDOW_SECONDS, "NX")
    .exec();
}

/** Clears the account's failures after a successful login. */
export async function clearLoginFailures(email: string): Promise<void> {
  await redis().del(accountKey(email));
}

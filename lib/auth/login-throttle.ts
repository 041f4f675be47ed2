import { env } from "../env";
import { loginFailureKeys } from "../redis/keys";
import { redis, redisPrefix } from "../redis/client";

/** Window over which failed logins are counted: 15 minutes. */
export const LOGIN_WINDOW_SECONDS = 15 * 60;

// An account is throttled per client, never for everyone: a lock on the account alone let anyone who knew an
// email lock its owner out for the whole window, from any address.
// Both counters of a client share its IP's hash slot under Redis Cluster, so each check stays one MULTI.
const accountClientKey = (email: string, ip: string) => loginFailureKeys(redisPrefix, email.toLowerCase(), ip).account;
const ipKey = (ip: string) => loginFailureKeys(redisPrefix, "", ip).client;

/** Why a login attempt must wait, and for how long. */
export interface LoginWait {
  /** `account`: this client guessed this account's password too often; `client`: this client failed too often overall. */
  reason: "account" | "client";
  seconds: number;
}

/**
 * Whether this client must wait before trying this account again, or null.
 * After `LOGIN_FAILURES_BEFORE_LOCKOUT` failures (default 5) for one account
 * from one client IP in 15 minutes, that client may not try that account
 * (the right password included) until the window ends; the owner signing in
 * from another address is not affected. After four times as many failures
 * from one IP across accounts (password spraying; many users may share a
 * control-room address), that IP may not try any account.
 */
export async function loginRetryAfter(email: string, ip: string): Promise<LoginWait | null> {
  const limit = env.LOGIN_FAILURES_BEFORE_LOCKOUT;
  const pair = accountClientKey(email, ip);
  const replies = await redis().multi().get(pair).get(ipKey(ip)).ttl(pair).ttl(ipKey(ip)).exec();
  const [account, byIp, accountTtl, ipTtl] = (replies ?? []).map(([, value]) => Number(value ?? 0));
  if ((account ?? 0) >= limit) return { reason: "account", seconds: Math.max(1, accountTtl ?? 1) };
  if ((byIp ?? 0) >= limit * 4) return { reason: "client", seconds: Math.max(1, ipTtl ?? 1) };
  return null;
}

/** Counts one failed login against the account from this client, and against the client. */
export async function recordLoginFailure(email: string, ip: string): Promise<void> {
  const pair = accountClientKey(email, ip);
  await redis()
    .multi()
    .incr(pair)
    .expire(pair, LOGIN_WINDOW_SECONDS, "NX")
    .incr(ipKey(ip))
    .expire(ipKey(ip), LOGIN_WINDOW_SECONDS, "NX")
    .exec();
}

/** Clears the account's failures from this client after a successful login there. */
export async function clearLoginFailures(email: string, ip: string): Promise<void> {
  await redis().del(accountClientKey(email, ip));
}

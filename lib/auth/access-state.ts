import type { RedisClient } from "../redis/client";
import type { ChainableCommander } from "ioredis";
import { scopeSchema, type Scope } from "../scope";
import { userAccessKey, userControlChannel } from "../redis/keys";

/**
 * The access plane: one small Redis hash per user (`user:{id}:access`)
 * mirroring the columns that decide what their sessions may do — role, scope,
 * `disabled`, and `sessionVersion`, which every change of those bumps. A
 * session or realtime ticket carries the version it was issued under; one of
 * another version is refused. PostgreSQL stays the source of truth: the web
 * tier falls back to it whenever the hash is missing or being rewritten, and
 * the state-plane rebuild writes every user's hash. Web tier and sidecar both
 * read it through this module.
 */

/** A user's access as their sessions may use it. */
export interface UserAccess {
  version: number;
  role: "ADMIN" | "COMMANDER";
  scope: Scope;
}

/** Why a user's sessions are refused: disabled, or deleted. */
export type RevokedReason = "disabled" | "deleted";

/** What the access hash says about a user. */
export type AccessRecord =
  | { state: "active"; access: UserAccess }
  | { state: "revoked"; reason: RevokedReason; version: number }
  /** An admin is changing this user's access right now (or a change stopped half-way): ask PostgreSQL. */
  | { state: "pending" }
  /** No hash: never written since Redis last started empty, or the user was deleted long ago. */
  | { state: "missing" };

/** The PostgreSQL columns the hash mirrors. */
export interface UserAccessRow {
  id: number;
  sessionVersion: number;
  disabled: boolean;
  role: "ADMIN" | "COMMANDER";
  scopeLevel: Scope["level"];
  scopeId: number | null;
}

/** The message on a user's control channel: re-read their access hash. */
export const ACCESS_CHANGED = JSON.stringify({ type: "ACCESS_CHANGED" });

/** How long a "pending" mark blocks a write of the same version (a racing read of the old row): 10 s. */
const PENDING_MS = 10_000;

const FIELDS = ["v", "role", "level", "id", "revoked", "pending"] as const;

/**
 * Writes the hash unless a newer version is there (two writers racing: the newer wins), or the same version is
 * marked pending by a change under way. Publishes ACCESS_CHANGED on the user's control channel when asked.
 * KEYS: 1 user:{id}:access. ARGV: 1 version, 2 role, 3 level, 4 scope id ('' for city), 5 revoked ('' or the
 * reason), 6 expiry ms (0: none), 7 control channel ('' to stay silent), 8 message.
 */
const WRITE_LUA = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v'))
local version = tonumber(ARGV[1])
if current and current > version then return 0 end
if current == version then
  local pending = tonumber(redis.call('HGET', KEYS[1], 'pending'))
  local time = redis.call('TIME')
  if pending and pending > tonumber(time[1]) * 1000 then return 0 end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'role', ARGV[2], 'level', ARGV[3], 'id', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'revoked', ARGV[5]) end
if tonumber(ARGV[6]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[6]) end
if ARGV[7] ~= '' then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
return 1
`;

type WriteArgs = [key: string, version: number, role: string, level: string, id: string, revoked: string, ttlMs: number, channel: string, message: string];
type AccessClient = { sentinelWriteAccess(...args: WriteArgs): Promise<number> };

const defined = new WeakSet<RedisClient>();

function accessClient(redis: RedisClient): RedisClient & AccessClient {
  if (!defined.has(redis)) {
    redis.defineCommand("sentinelWriteAccess", { numberOfKeys: 1, lua: WRITE_LUA });
    defined.add(redis);
  }
  return redis as RedisClient & AccessClient;
}

/** Reads a user's access hash (one HMGET). */
export async function readUserAccess(redis: RedisClient, prefix: string, userId: number): Promise<AccessRecord> {
  return parseAccessRecord(await redis.hmget(userAccessKey(prefix, userId), ...FIELDS));
}

/** Interprets the HMGET of `FIELDS`; a hash that does not parse counts as pending (ask PostgreSQL). */
export function parseAccessRecord([v, role, level, id, revoked, pending]: (string | null)[]): AccessRecord {
  if (v === null || v === undefined) return { state: "missing" };
  if (pending) return { state: "pending" };
  const version = Number(v);
  if (!Number.isSafeInteger(version)) return { state: "pending" };
  if (revoked === "disabled" || revoked === "deleted") return { state: "revoked", reason: revoked, version };
  const scope = scopeSchema.safeParse({ level, id: level === "city" ? null : Number(id) });
  if ((role !== "ADMIN" && role !== "COMMANDER") || !scope.success) return { state: "pending" };
  return { state: "active", access: { version, role, scope: scope.data } };
}

/** The access a row grants, or why it grants none. */
export function accessOfRow(row: UserAccessRow): AccessRecord {
  if (row.disabled) return { state: "revoked", reason: "disabled", version: row.sessionVersion };
  const scope: Scope = row.scopeLevel === "city" ? { level: "city", id: null } : { level: row.scopeLevel, id: row.scopeId ?? 0 };
  return { state: "active", access: { version: row.sessionVersion, role: row.role, scope } };
}

/**
 * Mirrors `row` into its access hash (unless a newer version is there). With `announce`, every realtime
 * worker holding a socket of this user re-reads it at once (re-scoping or closing the socket).
 */
export function writeUserAccess(redis: RedisClient, prefix: string, row: UserAccessRow, announce: boolean): Promise<number> {
  return accessClient(redis).sentinelWriteAccess(...writeArgs(prefix, row, announce));
}

/** The same write, queued on a pipeline or MULTI (the state-plane rebuild writes every user at once). */
export function queueUserAccess(batch: ChainableCommander, prefix: string, row: UserAccessRow): void {
  batch.eval(WRITE_LUA, 1, ...writeArgs(prefix, row, false));
}

/**
 * Marks a deleted user's hash revoked for `ttlMs` (as long as a session of theirs could still be presented)
 * and tells their sockets. After that the hash is gone, and the web tier finds no row in PostgreSQL.
 */
export function writeUserDeleted(redis: RedisClient, prefix: string, userId: number, lastVersion: number, ttlMs: number): Promise<number> {
  return accessClient(redis).sentinelWriteAccess(
    userAccessKey(prefix, userId),
    lastVersion + 1,
    "COMMANDER",
    "city",
    "",
    "deleted",
    ttlMs,
    userControlChannel(prefix, userId),
    ACCESS_CHANGED,
  );
}

/**
 * Marks a user's hash pending before their row changes, so that until the new version is written every
 * check asks PostgreSQL (the web tier) or waits (the sidecar), and a racing write of the old row loses.
 */
export async function markAccessPending(redis: RedisClient, prefix: string, userId: number): Promise<void> {
  const key = userAccessKey(prefix, userId);
  await redis.multi().hset(key, "pending", String(Date.now() + PENDING_MS)).hsetnx(key, "v", "-1").exec();
}

/** Removes a pending mark after a change that did not happen (it failed before committing). */
export async function clearAccessPending(redis: RedisClient, prefix: string, userId: number): Promise<void> {
  const key = userAccessKey(prefix, userId);
  await redis.multi().hdel(key, "pending").eval("if redis.call('HGET', KEYS[1], 'v') == '-1' then redis.call('DEL', KEYS[1]) end", 1, key).exec();
}

function writeArgs(prefix: string, row: UserAccessRow, announce: boolean): WriteArgs {
  return [
    userAccessKey(prefix, row.id),
    row.sessionVersion,
    row.role,
    row.scopeLevel,
    row.scopeLevel === "city" ? "" : String(row.scopeId ?? ""),
    row.disabled ? "disabled" : "",
    0,
    announce ? userControlChannel(prefix, row.id) : "",
    ACCESS_CHANGED,
  ];
}

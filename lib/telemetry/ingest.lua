-- The telemetry hot path: one script call per request, no SQL. Read it top to bottom: each step may end
-- the script with a status. ingest-script.ts prepends the names used here, from one table shared with the
-- TypeScript side:
--   STATUS.<name>   what the script answers (reply: {status, published, stale, retryAfterMs})
--   KEY.<name>      the keys, built in lib/redis/keys.ts
--   ARG.<name>      the fixed arguments; the points follow from ARGV[FIRST_POINT_ARG] as (ts, frame) pairs in ts order
-- A misspelt STATUS/KEY/ARG name raises a script error instead of reading nil.

-- 0. Revocation: the device token must be of the vehicle's current generation (no key: generation 0). Checked
--    before the rate limit, so a revoked token cannot spend the vehicle's budget.
if (redis.call('GET', KEY.tokenGeneration) or '0') ~= ARG.tokenGeneration then
  return {STATUS.TOKEN_REVOKED, 0, 0, 0}
end

-- 1. Rate limit: at most ARG.rateLimit requests per vehicle per fixed window.
local requests = redis.call('INCR', KEY.rateCounter)
if requests == 1 then redis.call('PEXPIRE', KEY.rateCounter, ARG.rateWindowMs) end
if requests > tonumber(ARG.rateLimit) then
  return {STATUS.RATE_LIMITED, 0, 0, redis.call('PTTL', KEY.rateCounter)}
end

-- 2. Ownership: the patrol must be this vehicle's active one. Without a state plane (Redis restarted empty
--    and is not rebuilt yet) the patrol may well be active: say so rather than "not active".
if redis.call('GET', KEY.vehicleActivePatrol) ~= ARG.patrolId then
  if redis.call('EXISTS', KEY.patrolMeta) == 1 then return {STATUS.NOT_OWNER, 0, 0, 0} end
  if redis.call('EXISTS', KEY.statePlaneReady) == 0 then return {STATUS.STATE_PLANE_MISSING, 0, 0, 0} end
  return {STATUS.NOT_ACTIVE, 0, 0, 0}
end

-- 3. Publish every point newer than the last published one. A point older than it is stale, and so is
--    a repeat of it (same ts, same bytes: a device retrying after a lost answer). The last frame is
--    read only when a point carries the last ts. Every point but a repeat also goes to the history
--    stream, late ones included (real positions, only too old for the live map); its bound trims the
--    oldest entries should the history writer fall that far behind.
local lastTs = tonumber(redis.call('GET', KEY.lastTs))
local lastTsText, lastFrame = nil, nil
local published, stale = 0, 0
for i = FIRST_POINT_ARG, #ARGV, 2 do
  local tsText, frame = ARGV[i], ARGV[i + 1]
  local ts = tonumber(tsText)
  if lastTs and ts == lastTs and lastFrame == nil then lastFrame = redis.call('HGET', KEY.lastStatus, ARG.patrolId) end
  local repeated = lastTs and ts == lastTs and frame == lastFrame
  if lastTs and (ts < lastTs or repeated) then
    stale = stale + 1
  else
    redis.call('PUBLISH', KEY.patrolChannel, frame)
    lastTs, lastTsText, lastFrame, published = ts, tsText, frame, published + 1
  end
  if not repeated then
    redis.call('XADD', KEY.historyStream, 'MAXLEN', '~', ARG.historyMaxLen, '*', 'v', ARG.vehicleId, 'f', frame)
  end
end

-- 4. Keep the newest published point: its frame for dashboards that connect later, its ts for step 3.
if published > 0 then
  redis.call('HSET', KEY.lastStatus, ARG.patrolId, lastFrame)
  redis.call('SET', KEY.lastTs, lastTsText)
end
return {STATUS.OK, published, stale, 0}

-- The telemetry hot path: one script call per request, no SQL. Read it top to bottom: each step may end
-- the script with a status. ingest-script.ts prepends the names used here, from one table shared with the
-- TypeScript side:
--   STATUS.<name>   what the script answers (reply: {status, published, stale, retryAfterMs, withheld})
--   KEY.<name>      the keys, built in lib/redis/keys.ts (each layout passes only the keys it touches)
--   ARG.<name>      the fixed arguments; the points follow from ARGV[FIRST_POINT_ARG] as (ts, frame) pairs in ts order
--   CLUSTER         true under Redis Cluster, where every key above shares the patrol's hash slot
-- A misspelt STATUS/KEY/ARG name, or a key of the other layout, raises a script error instead of reading nil.

-- What differs between the layouts (README, "Redis Cluster"). A single Redis holds the credential in the vehicle's
-- (or device id's) own key, the owner in `vehicle:{id}:active_patrol` and every last frame in one hash. Under Redis
-- Cluster those live in other slots, so the patrol's slot holds what the script needs: the credential mirror
-- `patrol:{id}:cred` (written at start and on every revocation), the owner in the meta hash, the last frame in
-- `patrol:{id}:last`; frames go out on the patrol's sharded channel.
local PUBLISH = CLUSTER and 'SPUBLISH' or 'PUBLISH'

-- The credential the script must see, or nil when it cannot tell. Under Redis Cluster the mirror exists exactly
-- while the patrol is active (start and stop write it in the MULTI that writes the meta), so without it step 2
-- refuses anyway, and says why (not active, ended by whom) rather than "revoked".
local function heldCredential()
  if not CLUSTER then return redis.call('GET', KEY.credential) or ARG.credentialDefault end
  if redis.call('EXISTS', KEY.credential) == 0 then return nil end
  return redis.call('HGET', KEY.credential, ARG.credentialField) or ARG.credentialDefault
end

local function ownsPatrol()
  if CLUSTER then return redis.call('HGET', KEY.patrolMeta, 'vehicleId') == ARG.vehicleId end
  return redis.call('GET', KEY.vehicleActivePatrol) == ARG.patrolId
end

local function lastFrameOf()
  if CLUSTER then return redis.call('GET', KEY.lastFrame) end
  return redis.call('HGET', KEY.lastStatus, ARG.patrolId)
end

local function keepLastFrame(frame)
  if CLUSTER then return redis.call('SET', KEY.lastFrame, frame) end
  return redis.call('HSET', KEY.lastStatus, ARG.patrolId, frame)
end

-- 0. Credential: KEY.credential must hold ARG.credential (ARG.credentialDefault when missing). A device token
--    carries the vehicle's token generation (no key: generation 0); a device id (OsmAnd) must still name the
--    vehicle (no key: revoked). Checked before the rate limit, so a revoked credential cannot spend the budget.
local held = heldCredential()
if held and held ~= ARG.credential then
  return {STATUS.CREDENTIAL_REVOKED, 0, 0, 0, 0}
end

-- 1. Rate limit: at most ARG.rateLimit requests per vehicle per fixed window.
local requests = redis.call('INCR', KEY.rateCounter)
if requests == 1 then redis.call('PEXPIRE', KEY.rateCounter, ARG.rateWindowMs) end
if requests > tonumber(ARG.rateLimit) then
  return {STATUS.RATE_LIMITED, 0, 0, redis.call('PTTL', KEY.rateCounter), 0}
end

-- 2. Ownership: the patrol must be this vehicle's active one. Ended from a dashboard: say by whom (the reply's
--    sixth element). Without a state plane (Redis restarted empty and is not rebuilt yet) the patrol may well be
--    active: say so rather than "not active". Under Redis Cluster the marker is the one of the patrol's slot (its
--    shard restarted empty); the caller also asks for the state plane's own after a NOT_ACTIVE.
if not ownsPatrol() then
  if redis.call('EXISTS', KEY.patrolMeta) == 1 then return {STATUS.NOT_OWNER, 0, 0, 0, 0} end
  local ended = redis.call('GET', KEY.patrolEnded)
  if ended then return {STATUS.ENDED_BY_USER, 0, 0, 0, 0, ended} end
  if redis.call('EXISTS', KEY.statePlaneReady) == 0 then return {STATUS.STATE_PLANE_MISSING, 0, 0, 0, 0} end
  return {STATUS.NOT_ACTIVE, 0, 0, 0, 0}
end

-- 3. Sort the points: fresh (newer than the newest known one) or stale (older than it, or a repeat of it:
--    same ts, same bytes, a device retrying after a lost answer). The last frame is read only when a
--    point carries the last ts. Every point but a repeat goes to the history stream, late ones included
--    (real positions, only too old for the live map); its bound trims the oldest entries should the
--    history writer fall that far behind. A bound of 0 turns history off.
local lastTs = tonumber(redis.call('GET', KEY.lastTs))
local lastFrame = nil
local fresh, stale = {}, 0
for i = FIRST_POINT_ARG, #ARGV, 2 do
  local ts, frame = tonumber(ARGV[i]), ARGV[i + 1]
  if lastTs and ts == lastTs and lastFrame == nil then lastFrame = lastFrameOf() end
  local repeated = lastTs and ts == lastTs and frame == lastFrame
  if lastTs and (ts < lastTs or repeated) then
    stale = stale + 1
  else
    fresh[#fresh + 1] = i
    lastTs, lastFrame = ts, frame
  end
  if not repeated and ARG.historyMaxLen ~= '0' then
    redis.call('XADD', KEY.historyStream, 'MAXLEN', '~', ARG.historyMaxLen, '*', 'v', ARG.vehicleId, 'f', frame)
  end
end

-- 4. Fan out at most ARG.rateLimit frames per patrol per window, the newest fresh points: a backlog
--    flushed in one batch reaches the map as its latest moves, not as hundreds of frames to every
--    dashboard. The fresh points beyond that are withheld from the live map (history has them).
local published = 0
if #fresh > 0 then
  local used = tonumber(redis.call('GET', KEY.liveFrames) or '0')
  published = math.min(#fresh, math.max(0, tonumber(ARG.rateLimit) - used))
  for k = #fresh - published + 1, #fresh do
    redis.call(PUBLISH, KEY.patrolChannel, ARGV[fresh[k] + 1])
  end
  if published > 0 and redis.call('INCRBY', KEY.liveFrames, published) == published then
    redis.call('PEXPIRE', KEY.liveFrames, ARG.rateWindowMs)
  end
  -- 5. Keep the newest fresh point, published or withheld: its frame for dashboards that connect later,
  --    its ts for step 3.
  local newest = fresh[#fresh]
  keepLastFrame(ARGV[newest + 1])
  redis.call('SET', KEY.lastTs, ARGV[newest])
end
return {STATUS.OK, published, stale, 0, #fresh - published}

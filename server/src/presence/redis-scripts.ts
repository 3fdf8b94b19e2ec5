/**
 * Presence in Redis, changed only by these Lua scripts (each runs atomically). Keys, under the
 * configured prefix P (KEYS[1]):
 *   P presence:sessions           HASH  sessionId → session JSON (includes instanceId, user)
 *   P presence:user:<userId>      SET   the user's sessionIds
 *   P presence:instance:<id>      SET   the sessionIds an instance holds
 *   P presence:instances          ZSET  instanceId → heartbeat expiry (ms, Redis clock)
 *   P presence:revs               HASH  userId → rev of the user's current entry
 *   P presence:rev                STRING last rev handed out
 * Times come from Redis TIME, so instances' clocks never decide who is expired. Revs are
 * microseconds, forced monotonic: still increasing after Redis restarts empty.
 * One Redis (not Cluster): scripts build per-user and per-instance key names themselves.
 */
const PRELUDE = `
local P = KEYS[1]
local SESSIONS = P .. 'presence:sessions'
local INSTANCES = P .. 'presence:instances'
local REVS = P .. 'presence:revs'
local REV = P .. 'presence:rev'
local function ukey(uid) return P .. 'presence:user:' .. uid end
local function ikey(iid) return P .. 'presence:instance:' .. iid end
local function fmt(n) return string.format('%.0f', n) end
local t = redis.call('TIME')
local NOW_US = tonumber(t[1]) * 1000000 + tonumber(t[2])
local NOW_MS = math.floor(NOW_US / 1000)
local last_rev = tonumber(redis.call('GET', REV) or '0') or 0
local function next_rev()
  local rev = NOW_US
  if rev <= last_rev then rev = last_rev + 1 end
  last_rev = rev
  redis.call('SET', REV, fmt(rev))
  return rev
end
local function user_of(json)
  local ok, s = pcall(cjson.decode, json)
  if ok and type(s) == 'table' and type(s.user) == 'table' and type(s.user.id) == 'string' then
    return s.user.id
  end
  return nil
end
-- The user's entry after a change: { userId, rev, sessionJson... } (no sessions = offline).
local function entry(uid)
  local sids = redis.call('SMEMBERS', ukey(uid))
  local rev = next_rev()
  local out = { uid, fmt(rev) }
  if #sids == 0 then
    redis.call('HDEL', REVS, uid)
    return out
  end
  redis.call('HSET', REVS, uid, fmt(rev))
  local values = redis.call('HMGET', SESSIONS, unpack(sids))
  for i = 1, #values do
    if values[i] then out[#out + 1] = values[i] else redis.call('SREM', ukey(uid), sids[i]) end
  end
  return out
end
-- Removes one session of an instance; returns its user id (or nil).
local function drop(iid, sid)
  local json = redis.call('HGET', SESSIONS, sid)
  redis.call('HDEL', SESSIONS, sid)
  redis.call('SREM', ikey(iid), sid)
  if not json then return nil end
  local uid = user_of(json)
  if uid then redis.call('SREM', ukey(uid), sid) end
  return uid
end
local function registered(iid) return redis.call('ZSCORE', INSTANCES, iid) ~= false end
local function entries(status, affected)
  local out = { status }
  for uid in pairs(affected) do out[#out + 1] = entry(uid) end
  return out
end
`;

/** ARGV: instanceId, sessionId, userId, json → { 'ok', entry } | { 'same' } | { 'resync' } */
export const UPSERT = `${PRELUDE}
local iid, sid, uid, json = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if not registered(iid) then return { 'resync' } end
if redis.call('HGET', SESSIONS, sid) == json then return { 'same' } end
redis.call('HSET', SESSIONS, sid, json)
redis.call('SADD', ikey(iid), sid)
redis.call('SADD', ukey(uid), sid)
return { 'ok', entry(uid) }
`;

/** ARGV: instanceId, sessionId, userId → { 'ok', entry } | { 'resync' } */
export const LEAVE = `${PRELUDE}
local iid, sid, uid = ARGV[1], ARGV[2], ARGV[3]
if not registered(iid) then return { 'resync' } end
drop(iid, sid)
redis.call('SREM', ukey(uid), sid)
return { 'ok', entry(uid) }
`;

/**
 * ARGV: instanceId, ttlMs. Heartbeat, then sweep up to 16 instances whose heartbeat expired
 * (whoever sweeps first gets the changes: each is broadcast once). → { 'ok', entry... } | { 'resync' }
 */
export const TICK = `${PRELUDE}
local iid, ttl = ARGV[1], tonumber(ARGV[2])
if not registered(iid) then return { 'resync' } end
redis.call('ZADD', INSTANCES, fmt(NOW_MS + ttl), iid)
local dead = redis.call('ZRANGEBYSCORE', INSTANCES, '-inf', '(' .. fmt(NOW_MS), 'LIMIT', 0, 16)
local affected = {}
for _, other in ipairs(dead) do
  if other ~= iid then
    for _, sid in ipairs(redis.call('SMEMBERS', ikey(other))) do
      local uid = drop(other, sid)
      if uid then affected[uid] = true end
    end
    redis.call('DEL', ikey(other))
    redis.call('ZREM', INSTANCES, other)
  end
end
return entries('ok', affected)
`;

/**
 * ARGV: instanceId, ttlMs, then sessionId, userId, json per session. Registers the instance and
 * makes Redis hold exactly these sessions for it. → { 'ok', entry... } (only users that changed)
 */
export const REPUBLISH = `${PRELUDE}
local iid, ttl = ARGV[1], tonumber(ARGV[2])
redis.call('ZADD', INSTANCES, fmt(NOW_MS + ttl), iid)
local keep = {}
for i = 3, #ARGV, 3 do keep[ARGV[i]] = true end
local affected = {}
for _, sid in ipairs(redis.call('SMEMBERS', ikey(iid))) do
  if not keep[sid] then
    local uid = drop(iid, sid)
    if uid then affected[uid] = true end
  end
end
for i = 3, #ARGV, 3 do
  local sid, uid, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HGET', SESSIONS, sid) ~= json then
    redis.call('HSET', SESSIONS, sid, json)
    affected[uid] = true
  end
  redis.call('SADD', ikey(iid), sid)
  if redis.call('SADD', ukey(uid), sid) == 1 then affected[uid] = true end
end
return entries('ok', affected)
`;

/** ARGV: instanceId. Graceful shutdown: drop the instance and its sessions. → { 'ok', entry... } */
export const UNREGISTER = `${PRELUDE}
local iid = ARGV[1]
local affected = {}
for _, sid in ipairs(redis.call('SMEMBERS', ikey(iid))) do
  local uid = drop(iid, sid)
  if uid then affected[uid] = true end
end
redis.call('DEL', ikey(iid))
redis.call('ZREM', INSTANCES, iid)
return entries('ok', affected)
`;

/**
 * → { lastRev, { userId, rev, ... }, { sessionJson... } }: sessions of live instances only, so a
 * dead instance's users are gone from snapshots even before someone sweeps them.
 */
export const SNAPSHOT = `${PRELUDE}
local live = redis.call('ZRANGEBYSCORE', INSTANCES, fmt(NOW_MS), '+inf')
local sessions = {}
for _, iid in ipairs(live) do
  local sids = redis.call('SMEMBERS', ikey(iid))
  if #sids > 0 then
    local values = redis.call('HMGET', SESSIONS, unpack(sids))
    for i = 1, #values do
      if values[i] then sessions[#sessions + 1] = values[i] end
    end
  end
end
return { fmt(last_rev), redis.call('HGETALL', REVS), sessions }
`;

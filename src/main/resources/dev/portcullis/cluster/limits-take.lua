-- Takes what one call needs from every shared limit it counts against, or nothing: all counters
-- are checked first, and only when every one has room is anything written. One round trip, one
-- atomic step, whatever the number of scopes (Redis runs a script alone).
--
-- KEYS[i]  the counter of limit i
-- ARGV[1]  the call's member name (unique per call), ARGV[2] the parallel slot lease in ms
-- then six arguments per limit: type, limit, amount, base, expire_at_ms, lease
--   S  parallel slots: a sorted set of members scored by their lease's deadline; a member whose
--      deadline passed (its replica died, or stopped renewing) no longer counts
--   W  a sliding window of 60 one-second slots (hash: second -> amount): requests or tokens
--   B  a budget period: spend plus in-flight reservations; created from base (the spend the
--      store records) when absent, expiring at expire_at_ms (0: never); a negative base says the
--      caller has yet to read it: an absent counter is then not created but reported
-- lease: what the replica would like to take beyond the amount, to admit its next calls on its
--   own (W and B; 0: none). Granted only while the counter, this call included, is at most half
--   full, and then at most a 64th of what is left: a lease never lets a counter pass its limit
--   (it is taken like any amount), it can only hold back, for the second it lives, a 64th of the
--   room left from other replicas. Less than four calls' worth is not worth a lease: none.
-- Clock: Redis's own, so that replicas with drifting clocks share one window.
--
-- Returns {1, now_ms, v1, x1, g1, v2, x2, g2, ...} when all were taken (S: slots held now; W: amount
-- left in the window, ms until its oldest slot leaves; B: the counter now; g: the lease granted,
-- counted in v), or {0, now_ms, i, v, x}
-- when limit i refused (S: slots held; W: the window's sum, ms until enough leaves it; B: the counter),
-- or {2, now_ms, i} when budget i is absent and its base is yet to be read (nothing taken).
local t = redis.call('TIME')
local sec = tonumber(t[1])
local now = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = ARGV[1]
local lease = tonumber(ARGV[2])
local WINDOW = 60

-- the window's sum, its oldest second (nil when empty) and its slots, unordered: only a refusal
-- needs them in order (waitFor), so an admitted call does not pay for the sort
local function window(key)
  local all = redis.call('HGETALL', key)
  local sum, oldest, slots, stale = 0, nil, {}, {}
  for i = 1, #all, 2 do
    local s = tonumber(all[i])
    if s <= sec - WINDOW then
      stale[#stale + 1] = all[i]
    else
      local v = tonumber(all[i + 1])
      sum = sum + v
      slots[#slots + 1] = {s, v}
      if oldest == nil or s < oldest then
        oldest = s
      end
    end
  end
  if #stale > 0 then
    redis.call('HDEL', key, unpack(stale))
  end
  return sum, oldest, slots
end

-- ms until `free` has left the window (its oldest slots first)
local function waitFor(slots, free)
  table.sort(slots, function(a, b) return a[1] < b[1] end)
  local freed = 0
  for _, s in ipairs(slots) do
    freed = freed + s[2]
    if freed >= free then
      return math.max(1, (s[1] + WINDOW) * 1000 - now)
    end
  end
  return WINDOW * 1000
end

-- a whole number as Redis reads one: Lua would write a large one in exponent form
local function int(x)
  return string.format('%d', x)
end

-- the lease granted beside `amount` on a counter holding `used` of `limit`
local function leaseOf(want, used, amount, limit)
  if want <= 0 or (used + amount) * 2 > limit then
    return 0
  end
  local granted = math.min(want, math.floor((limit - used - amount) / 64))
  if granted < math.max(1, 4 * amount) then
    return 0
  end
  return granted
end

local seen = {}
for i = 1, #KEYS do
  local a = 2 + (i - 1) * 6
  local kind, limit, amount = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local key = KEYS[i]
  if kind == 'S' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    local held = redis.call('ZCARD', key)
    if held >= limit then
      return {0, now, i, held, 0}
    end
    seen[i] = {held}
  elseif kind == 'W' then
    local sum, oldest, slots = window(key)
    if sum + amount > limit then
      return {0, now, i, sum, waitFor(slots, sum + amount - limit)}
    end
    seen[i] = {sum, ((oldest or sec) + WINDOW) * 1000 - now}
  else
    local cur = redis.call('GET', key)
    if not cur then
      if tonumber(ARGV[a + 4]) < 0 then
        return {2, now, i}
      end
      cur = ARGV[a + 4]
    end
    cur = tonumber(cur)
    if cur + amount > limit or (amount == 0 and cur >= limit) then
      return {0, now, i, cur, 0}
    end
    seen[i] = {cur}
  end
end

local out = {1, now}
for i = 1, #KEYS do
  local a = 2 + (i - 1) * 6
  local kind, limit, amount = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local want = tonumber(ARGV[a + 6])
  local key = KEYS[i]
  if kind == 'S' then
    redis.call('ZADD', key, now + lease, member)
    redis.call('PEXPIRE', key, lease)
    out[#out + 1] = seen[i][1] + 1
    out[#out + 1] = 0
    out[#out + 1] = 0
  elseif kind == 'W' then
    local granted = leaseOf(want, seen[i][1], amount, limit)
    if amount + granted > 0 then
      redis.call('HINCRBY', key, sec, int(amount + granted))
      redis.call('PEXPIRE', key, (WINDOW + 1) * 1000)
    end
    out[#out + 1] = limit - seen[i][1] - amount - granted
    out[#out + 1] = seen[i][2]
    out[#out + 1] = granted
  else
    if redis.call('EXISTS', key) == 0 then
      redis.call('SET', key, ARGV[a + 4])
      local expireAt = tonumber(ARGV[a + 5])
      if expireAt > 0 then
        redis.call('PEXPIREAT', key, expireAt)
      end
    end
    local granted = leaseOf(want, seen[i][1], amount, limit)
    out[#out + 1] = redis.call('INCRBY', key, int(amount + granted))
    out[#out + 1] = 0
    out[#out + 1] = granted
  end
end
return out

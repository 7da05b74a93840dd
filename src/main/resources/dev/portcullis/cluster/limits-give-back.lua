-- Ends one call's hold on its shared limits: settles (charges what it used) or releases (charges
-- nothing). Never gives back more than is there: a window slot that already left the window, or a
-- budget period that already expired, has nothing of this call's left to return.
--
-- KEYS[i]  the counter of limit i; ARGV[1] the call's member name
-- then three arguments per limit: type, slot, delta
--   S  frees the call's parallel slot
--   W  delta < 0: gives -delta back to the window slot `slot` (a second) the call took from;
--      delta > 0: charges an overrun to the current second
--   B  adds delta (what it cost less what it reserved) to the period's counter, if it still exists
local t = redis.call('TIME')
local sec = tonumber(t[1])
local member = ARGV[1]
for i = 1, #KEYS do
  local a = 1 + (i - 1) * 3
  local kind, slot, delta = ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  -- the delta goes to Redis as it came (a string): Lua would write a large number in exponent form
  local key = KEYS[i]
  if kind == 'S' then
    redis.call('ZREM', key, member)
  elseif kind == 'W' then
    if delta < 0 then
      local have = tonumber(redis.call('HGET', key, slot) or '0')
      if have > 0 then
        if have + delta <= 0 then
          redis.call('HDEL', key, slot)
        else
          redis.call('HINCRBY', key, slot, ARGV[a + 3])
        end
      end
    elseif delta > 0 then
      redis.call('HINCRBY', key, sec, ARGV[a + 3])
      redis.call('PEXPIRE', key, 61000)
    end
  elseif delta ~= 0 and redis.call('EXISTS', key) == 1 then
    if redis.call('INCRBY', key, ARGV[a + 3]) < 0 then
      redis.call('SET', key, 0, 'KEEPTTL')
    end
  end
end
return 1

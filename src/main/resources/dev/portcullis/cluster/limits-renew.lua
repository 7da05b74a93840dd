-- Extends the leases of the parallel slots a live replica holds, so that a long call keeps its
-- slot while the slot of a replica that died is freed one lease after its last renewal.
-- KEYS[i] a slot set, ARGV[1] the lease in ms, ARGV[i + 1] the member in KEYS[i]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 1, #KEYS do
  if redis.call('ZADD', KEYS[i], 'XX', 'CH', now + lease, ARGV[i + 1]) == 1 then
    redis.call('PEXPIRE', KEYS[i], lease)
  end
end
return 1

-- Gives a lease up (RedisLease#release) only while the caller holds it, so that an owner whose
-- lease expired can never release one another controller took over.
-- KEYS: 1 the lease
-- ARGV: 1 the caller's controller id
-- Returns: RELEASED | NOT_HELD (another controller holds it, or nobody)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {'RELEASED'}
end
return {'NOT_HELD'}

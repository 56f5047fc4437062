-- Extends a lease (RedisLease#renew) only while the caller holds it, so that an owner whose lease
-- expired can never extend one another controller took over.
-- KEYS: 1 the lease
-- ARGV: 1 the caller's controller id, 2 the lease's new time to live (ms)
-- Returns: RENEWED | NOT_HELD (another controller holds it, or nobody)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'RENEWED'}
end
return {'NOT_HELD'}

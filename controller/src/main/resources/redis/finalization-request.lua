-- Record a finalization request (atomic). See FinalizationStore#request and #ensure.
-- KEYS: 1 the finalization document (RedisKeys.finalization: ov2ha:rec:{<id>}:finalize:<createdAt>)
-- ARGV: 1 id, 2 createdAt, 3 trigger, 4 now (ms), 5 '1': an existing document takes the trigger
-- Returns: CREATED (a new PENDING document) | EXISTS (kept as it is, but for the trigger with ARGV[5])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'schema', '1', 'id', ARGV[1], 'createdAt', ARGV[2], 'state', 'PENDING',
    'attempts', '0', 'trigger', ARGV[3], 'requestedAt', ARGV[4])
  return {'CREATED'}
end
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'trigger', ARGV[3])
end
return {'EXISTS'}

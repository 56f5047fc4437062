-- Re-arm a finalization for another attempt now (admin retry; atomic). See FinalizationStore#rearm.
-- Only a FAILED or RETRY_WAIT one: it becomes PENDING with the new trigger, without a retry time.
-- KEYS: 1 the finalization document (fin:<id>:<createdAt>)
-- ARGV: 1 trigger
-- Returns: REARMED | NOT_REARMABLE (its state; empty when there is no document)
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'FAILED' or state == 'RETRY_WAIT' then
  redis.call('HSET', KEYS[1], 'state', 'PENDING', 'trigger', ARGV[1])
  redis.call('HDEL', KEYS[1], 'nextAttemptAt')
  return {'REARMED'}
end
return {'NOT_REARMABLE', state or ''}

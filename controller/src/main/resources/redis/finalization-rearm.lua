-- Re-arm a finalization for another attempt now (admin retry; atomic). See FinalizationStore#rearm.
-- Only from a state the caller names (FAILED, RETRY_WAIT): it becomes PENDING with the new
-- trigger, without a retry time, and without its count of attempts whose controller died. A retry
-- of a FAILED or ABANDONED recording (ARGV 2 = 1) notes the attempts so far (retriedAfterAttempts):
-- it gets HA_FINALIZE_ATTEMPTS of its own; a waiting retry run now (0) keeps its count.
-- KEYS: 1 the finalization document (RedisKeys.finalization: ov2ha:rec:{<id>}:finalize:<createdAt>)
-- ARGV: 1 trigger, 2 '1' for attempts of its own, else '0', 3.. the states it may be re-armed from
-- Returns: REARMED | NOT_REARMABLE (its state; empty when there is no document)
local state = redis.call('HGET', KEYS[1], 'state')
for i = 3, #ARGV do
  if state == ARGV[i] then
    if ARGV[2] == '1' then
      redis.call('HSET', KEYS[1], 'retriedAfterAttempts', redis.call('HGET', KEYS[1], 'attempts') or '0')
    end
    redis.call('HSET', KEYS[1], 'state', 'PENDING', 'trigger', ARGV[1])
    redis.call('HDEL', KEYS[1], 'nextAttemptAt', 'diedAttempts')
    return {'REARMED'}
  end
end
return {'NOT_REARMABLE', state or ''}

-- Take the next attempt to start the backup of a claimed epoch (atomic: one controller at a
-- time, after the backoff). See FailoverStore#takeAttempt.
-- KEYS: 1 rec, 2 failover state, 3 failover history
-- ARGV: 1 epoch, 2 controller id, 3 now (ms), 4 attempt lease (ms), 5 max attempts
-- Returns: TAKEN (attempt number) | NOT_RECORDING (status) | EPOCH_CHANGED (epoch) |
--          NOT_PENDING | WAIT (next attempt at ms) | EXHAUSTED (attempts)
local cur = redis.call('HMGET', KEYS[1], 'status', 'epoch')
if not cur[1] then
  return {'NOT_RECORDING', ''}
end
if cur[1] ~= 'RECORDING' then
  return {'NOT_RECORDING', cur[1]}
end
if not exact.eq(cur[2], ARGV[1]) then
  return {'EPOCH_CHANGED', cur[2]}
end
local st = redis.call('HMGET', KEYS[2], 'pendingEpoch', 'attempts', 'nextAttemptAt')
if (not st[1]) or st[1] == '' or not exact.eq(st[1], ARGV[1]) then
  return {'NOT_PENDING'}
end
local now = tonumber(ARGV[3])
if st[3] and st[3] ~= '' and now < tonumber(st[3]) then
  return {'WAIT', st[3]}
end
local attempts = tonumber(st[2] or '0') or 0
if attempts >= tonumber(ARGV[5]) then
  return {'EXHAUSTED', tostring(attempts)}
end
attempts = attempts + 1
redis.call('HSET', KEYS[2], 'attempts', attempts, 'attemptBy', ARGV[2],
  'nextAttemptAt', string.format('%d', now + tonumber(ARGV[4])))
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if raw then
  local entry = cjson.decode(raw)
  entry['attempts'] = attempts
  redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(entry))
end
return {'TAKEN', tostring(attempts)}

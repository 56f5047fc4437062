-- Record the backup container that now holds a claimed epoch (atomic). See RecorderHandover#started.
-- KEYS: 1 rec, 2 failover state, 3 failover history, 4 containers, 5 idx:containers
-- ARGV: 1 epoch, 2 container id, 3 container JSON, 4 now (ms), 5 recording id,
--       6 history patch JSON, 7 first chunk seq, 8 the engine's host name (the recording's host;
--       empty: unknown)
-- Returns: RECORDED (status) | NOT_FOUND | EPOCH_CHANGED (epoch) | FINAL (status)
local cur = redis.call('HMGET', KEYS[1], 'status', 'epoch')
local status, epoch = cur[1], cur[2]
if not status then
  return {'NOT_FOUND'}
end
if not exact.eq(epoch, ARGV[1]) then
  return {'EPOCH_CHANGED', epoch}
end
if recstatus.final(status) then
  return {'FINAL', status}
end
redis.call('HSET', KEYS[1], 'containerId', ARGV[2], 'identity', ARGV[2], 'host', ARGV[8] or '')
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[5], ARGV[2], ARGV[5])
redis.call('HSET', KEYS[2], 'pendingEpoch', '', 'attemptBy', '', 'nextAttemptAt', '', 'lastError', '',
  'epochSince', ARGV[4], 'awaitFirstChunkEpoch', ARGV[1], 'firstChunkSeq', ARGV[7])
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if raw then
  local entry = cjson.decode(raw)
  for k, v in pairs(cjson.decode(ARGV[6])) do entry[k] = v end
  entry['outcome'] = 'started'
  redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(entry))
end
return {'RECORDED', status}

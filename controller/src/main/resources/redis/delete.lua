-- Delete a recording's registry state (atomic). See RecordingStore#delete.
-- KEYS: 1 rec, 2 chunks, 3 containers, 4 idx:recordings, 5 idx:heartbeat,
--       6 failover state, 7 failover history, 8 idx:upload-backlog
-- ARGV: 1 id, 2 force ('1' or '0'), 3 status index prefix
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return {'NOT_FOUND'}
end
if ARGV[2] ~= '1' and status ~= 'READY' and status ~= 'FAILED' and status ~= 'ABANDONED' then
  return {'ACTIVE', status}
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[6], KEYS[7])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[8], ARGV[1])
redis.call('ZREM', ARGV[3] .. status, ARGV[1])
return {'DELETED', status}

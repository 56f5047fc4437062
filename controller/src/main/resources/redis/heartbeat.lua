-- Record a heartbeat (atomic, one round trip). See RecordingStore#heartbeat.
-- KEYS: 1 rec, 2 idx:heartbeat, 3 idx:upload-backlog
-- ARGV: 1 epoch, 2 lastChunkSeq ('' = none), 3 uploadBacklog, 4 freeDiskBytes, 5 now, 6 id
local cur = redis.call('HMGET', KEYS[1], 'status', 'epoch')
local status, epoch = cur[1], cur[2]
if not status then
  return {'NOT_FOUND'}
end
if status == 'READY' or status == 'FAILED' or status == 'ABANDONED' then
  return {'FINAL', status, epoch}
end
if tonumber(ARGV[1]) ~= tonumber(epoch) then
  return {'STALE_EPOCH', epoch}
end
redis.call('HSET', KEYS[1], 'lastHeartbeatAt', ARGV[5], 'hbLastChunkSeq', ARGV[2],
  'hbUploadBacklog', ARGV[3], 'hbFreeDiskBytes', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[6])
return {'OK', status, epoch}

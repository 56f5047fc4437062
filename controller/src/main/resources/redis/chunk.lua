-- Add a chunk to the manifest (atomic). See RecordingStore#reportChunk.
-- KEYS: 1 rec, 2 chunks
-- ARGV: 1 epoch, 2 manifest field, 3 chunk JSON, 4 checksum, 5 durationSeconds, 6 seq, 7 now
local cur = redis.call('HMGET', KEYS[1], 'status', 'epoch', 'lastChunkSeq')
local status, epoch, lastSeq = cur[1], cur[2], cur[3]
if not status then
  return {'NOT_FOUND'}
end
if status == 'READY' or status == 'FAILED' or status == 'ABANDONED' then
  return {'FINAL', status, epoch}
end
if tonumber(ARGV[1]) ~= tonumber(epoch) then
  return {'STALE_EPOCH', epoch}
end
local existing = redis.call('HGET', KEYS[2], ARGV[2])
if existing then
  if cjson.decode(existing)['checksum'] == ARGV[4] then
    return {'REPEATED'}
  end
  return {'CHUNK_CONFLICT'}
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[1], 'chunkCount', 1)
redis.call('HINCRBYFLOAT', KEYS[1], 'chunkSeconds', ARGV[5])
if (not lastSeq) or lastSeq == '' or tonumber(ARGV[6]) > tonumber(lastSeq) then
  redis.call('HSET', KEYS[1], 'lastChunkSeq', ARGV[6])
end
redis.call('HSET', KEYS[1], 'lastChunkAt', ARGV[7])
return {'CREATED'}

-- Add a chunk to the manifest (atomic). See RecordingStore#reportChunk.
-- KEYS: 1 rec, 2 chunks
-- ARGV: 1 epoch, 2 manifest field, 3 chunk JSON, 4 checksum, 5 durationSeconds, 6 seq, 7 now,
--       8 most chunks a recording may have
-- Returns: CREATED | REPEATED | CHUNK_CONFLICT | NOT_FOUND | FINAL (status, epoch) |
--          STALE_EPOCH (epoch) | TOO_MANY_CHUNKS (chunk count)
local cur = redis.call('HMGET', KEYS[1], 'status', 'epoch', 'lastChunkSeq', 'chunkCount')
local status, epoch, lastSeq, count = cur[1], cur[2], cur[3], cur[4]
local refused = recstatus.refusal(status, epoch, ARGV[1])
if refused then
  return refused
end
local existing = redis.call('HGET', KEYS[2], ARGV[2])
if existing then
  if cjson.decode(existing)['checksum'] == ARGV[4] then
    return {'REPEATED'}
  end
  return {'CHUNK_CONFLICT'}
end
if exact.cmp(count or '0', ARGV[8]) ~= -1 then
  return {'TOO_MANY_CHUNKS', count}
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[1], 'chunkCount', 1)
redis.call('HINCRBYFLOAT', KEYS[1], 'chunkSeconds', ARGV[5])
if (not lastSeq) or lastSeq == '' or exact.cmp(ARGV[6], lastSeq) == 1 then
  redis.call('HSET', KEYS[1], 'lastChunkSeq', ARGV[6])
end
redis.call('HSET', KEYS[1], 'lastChunkAt', ARGV[7])
return {'CREATED'}

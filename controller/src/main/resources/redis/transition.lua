-- Move a recording to another status (atomic). See RecordingStore#advance / #transition.
-- KEYS: 1 rec, 2 idx:heartbeat, 3 idx:upload-backlog
-- ARGV: 1 id, 2 target status, 3 mode ('advance' = only to a higher rank; 'from' = only from
--       the statuses in ARGV[4]), 4 comma-separated allowed current statuses, 5 now,
--       6 status index prefix, 7 the epoch the caller expects ('' = any), 8 state retention (ms:
--       a final recording's keys expire then, HA_STATE_RETENTION), then field/value pairs to set
--       with the change
-- Returns: CHANGED (previous status) | UNCHANGED (status) | NOT_FOUND |
--          STALE_EPOCH (current epoch: not the expected one; nothing changed)
-- the order an 'advance' follows; the final statuses share the last rank (recstatus.final)
local rank = {RECORDING = 1, STOPPING = 2, FINALIZING = 3, READY = 4, FAILED = 4, ABANDONED = 4}
local cur = redis.call('HMGET', KEYS[1], 'status', 'createdAt', 'epoch')
local from, createdAt, epoch = cur[1], cur[2], cur[3]
if not from then
  return {'NOT_FOUND'}
end
if ARGV[7] ~= '' and not exact.eq(ARGV[7], epoch) then
  return {'STALE_EPOCH', epoch}
end
local target = ARGV[2]
if ARGV[3] == 'advance' then
  if rank[target] <= rank[from] then return {'UNCHANGED', from} end
else
  if not string.find(',' .. ARGV[4] .. ',', ',' .. from .. ',', 1, true) then return {'UNCHANGED', from} end
end
redis.call('HSET', KEYS[1], 'status', target, 'updatedAt', ARGV[5])
for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if target ~= from then
  redis.call('ZREM', ARGV[6] .. from, ARGV[1])
  redis.call('ZADD', ARGV[6] .. target, createdAt, ARGV[1])
end
if recstatus.final(target) then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  -- finished: its state expires after the retention (index entries: prune.lua)
  reckeys.retain(KEYS[1], createdAt, ARGV[8])
else
  -- back to an active status (e.g. an admin retry): the failure detector must see it again,
  -- and its state stays
  if recstatus.final(from) then
    redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
    reckeys.retain(KEYS[1], createdAt, '')
  end
end
return {'CHANGED', from}

-- Mark a recording ABANDONED if it is still idle (atomic). See RecordingStore#abandonIfIdle.
-- Idle: not final, and no activity field at or after the cutoff (a heartbeat, a chunk, a status
-- change, an OpenVidu event, work by another feature recorded in activityAt), and, when
-- FINALIZING, not the finalizer's: a finalization that runs (its lease held) or will run again
-- (PENDING, RUNNING, RETRY_WAIT: the reconciler resumes one nobody runs, and its attempts are
-- bounded, HA_FINALIZE_ATTEMPTS, also those that end without an outcome) is left to end it as
-- READY or FAILED, however long it takes.
-- KEYS: 1 rec, 2 idx:heartbeat, 3 idx:upload-backlog, 4 its finalization (createdAt), 5 its
--       finalize lease
-- ARGV: 1 id, 2 createdAt, 3 cutoff (ms), 4 now, 5 status index prefix, 6 state retention (ms,
--       HA_STATE_RETENTION), then field/value pairs
-- Returns: ABANDONED (previous status) | ACTIVE (latest activity, ms) | FINALIZATION_PENDING
--          (the finalization's state) | FINAL (status) | NOT_FOUND | OTHER_RECORDING (createdAt of
--          the recording now holding the id)
local activity = {'createdInRegistryAt', 'registeredAt', 'updatedAt', 'lastHeartbeatAt', 'lastChunkAt',
  'openviduActivityAt', 'activityAt'}
local cur = redis.call('HMGET', KEYS[1], 'createdAt', 'status')
local createdAt, status = cur[1], cur[2]
if not status then
  return {'NOT_FOUND'}
end
if createdAt ~= ARGV[2] then
  return {'OTHER_RECORDING', createdAt}
end
if recstatus.final(status) then
  return {'FINAL', status}
end
if status == 'FINALIZING' then
  local finalization = redis.call('HGET', KEYS[4], 'state')
  if redis.call('EXISTS', KEYS[5]) == 1 then
    return {'FINALIZATION_PENDING', finalization or 'RUNNING'}
  end
  if finalization == 'PENDING' or finalization == 'RUNNING' or finalization == 'RETRY_WAIT' then
    return {'FINALIZATION_PENDING', finalization}
  end
end
local latest = 0
local values = redis.call('HMGET', KEYS[1], unpack(activity))
for _, v in ipairs(values) do
  local n = tonumber(v)
  if n and n > latest then latest = n end
end
if latest >= tonumber(ARGV[3]) then
  return {'ACTIVE', tostring(latest)}
end
redis.call('HSET', KEYS[1], 'status', 'ABANDONED', 'updatedAt', ARGV[4])
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZREM', ARGV[5] .. status, ARGV[1])
redis.call('ZADD', ARGV[5] .. 'ABANDONED', createdAt, ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
reckeys.retain(KEYS[1], createdAt, ARGV[6])
return {'ABANDONED', status}

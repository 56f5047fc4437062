-- Index upkeep of finished state (atomic). See RecordingStore#prune and FinishedStatePruner.
-- A finished recording's keys expire (HA_STATE_RETENTION, set by transition.lua/abandon.lua);
-- sorted sets and hashes indexing it do not: this removes its entries once it is gone. A final
-- recording without an expiry (finished before the retention existed) gets one, counted from its
-- last change.
-- KEYS: 1 rec, 2 idx:recordings, 3 idx:heartbeat, 4 idx:upload-backlog, 5 idx:backups,
--       6 idx:containers
-- ARGV: 1 id, 2 status index prefix, 3 comma-separated statuses, 4 state retention (ms), 5 now (ms),
--       then container ids the container index maps to this id
-- Returns: PRUNED (gone: index entries removed) | EXPIRING (an expiry was set) | KEPT (has an
--          expiry already) | ACTIVE (status: not final)
local rec = KEYS[1]
local cur = redis.call('HMGET', rec, 'status', 'createdAt', 'updatedAt')
local status, createdAt, updatedAt = cur[1], cur[2], cur[3]
if not status then
  for i = 2, 5 do redis.call('ZREM', KEYS[i], ARGV[1]) end
  for _, s in ipairs(reckeys.split(ARGV[3])) do redis.call('ZREM', ARGV[2] .. s, ARGV[1]) end
  for i = 6, #ARGV do
    if redis.call('HGET', KEYS[6], ARGV[i]) == ARGV[1] then redis.call('HDEL', KEYS[6], ARGV[i]) end
  end
  return {'PRUNED'}
end
if not recstatus.final(status) then
  return {'ACTIVE', status}
end
if redis.call('PTTL', rec) == -1 then
  local now = tonumber(ARGV[5])
  local left = (tonumber(updatedAt) or now) + tonumber(ARGV[4]) - now
  if left < 1 then left = 1 end
  reckeys.retain(rec, createdAt, string.format('%d', left))
  return {'EXPIRING'}
end
return {'KEPT'}

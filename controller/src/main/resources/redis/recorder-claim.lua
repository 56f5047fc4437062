-- Claim the failover of a recording's current recorder (atomic): the fence that makes exactly
-- one backup start per failure across all controller replicas. See RecorderHandover#claim.
-- KEYS: 1 rec, 2 failover state, 3 failover history, 4 failover stats, 5 idx:backups
-- ARGV: 1 epoch the caller observed, 2 max failovers, 3 controller id, 4 now (ms),
--       5 backoff base (ms), 6 attempt lease (ms), 7 reason, 8 history entry JSON (the caller's
--       observations), 9 '1' = manual (no backoff), 10 max concurrent backups (all controllers),
--       11 recording key prefix (key = prefix .. id .. '}'), 12 recording id
-- Returns: CLAIMED (new epoch, failover number) | NOT_FOUND | NOT_RECORDING (status) |
--          EPOCH_CHANGED (epoch) | PENDING (epoch) | EXHAUSTED (count) | BACKOFF (retry at ms) |
--          NO_ENVIRONMENT | CAPPED (backups running, '1' = first deferral of this epoch: the
--          history entry of the next epoch says 'deferred' until a claim replaces it)
local cur = redis.call('HMGET', KEYS[1], 'status', 'epoch', 'createdAt', 'failoverCount')
local status, epoch, createdAt, count = cur[1], cur[2], cur[3], tonumber(cur[4] or '0') or 0
if not status then
  return {'NOT_FOUND'}
end
if status ~= 'RECORDING' then
  return {'NOT_RECORDING', status}
end
if not exact.eq(epoch, ARGV[1]) then
  return {'EPOCH_CHANGED', epoch}
end
if redis.call('HSTRLEN', KEYS[1], 'env') < 3 then
  return {'NO_ENVIRONMENT'}
end
local st = redis.call('HMGET', KEYS[2], 'createdAt', 'pendingEpoch', 'lastClaimAt')
if st[1] and st[1] ~= createdAt then
  -- state and history of an earlier recording with this id (OpenVidu reuses ids): set aside
  if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('RENAME', KEYS[3], KEYS[3] .. ':' .. st[1]) end
  redis.call('DEL', KEYS[2])
  st = {false, false, false}
end
if st[2] and st[2] ~= '' and exact.eq(st[2], epoch) then
  return {'PENDING', epoch}
end
local max = tonumber(ARGV[2])
if count >= max then
  return {'EXHAUSTED', tostring(count)}
end
local now = tonumber(ARGV[4])
if ARGV[9] ~= '1' and count > 0 and st[3] then
  local wait = tonumber(ARGV[5]) * math.pow(2, math.min(count - 1, 4))
  local at = tonumber(st[3]) + wait
  if now < at then
    return {'BACKOFF', string.format('%d', at)}
  end
end
-- the global cap: backups of other recordings still RECORDING/STOPPING (the rest is pruned)
local running = 0
for _, other in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  if other ~= ARGV[12] then
    local s = redis.call('HGET', ARGV[11] .. other .. '}', 'status')
    if s == 'RECORDING' or s == 'STOPPING' then
      running = running + 1
    else
      redis.call('ZREM', KEYS[5], other)
    end
  end
end
if running >= tonumber(ARGV[10]) then
  local next = string.format('%d', tonumber(epoch) + 1)
  local old = redis.call('HGET', KEYS[3], next)
  local first = not (old and cjson.decode(old)['outcome'] == 'deferred')
  local deferred = cjson.decode(ARGV[8])
  deferred['schema'] = 1
  deferred['createdAt'] = tonumber(createdAt)
  deferred['fromEpoch'] = tonumber(epoch)
  deferred['toEpoch'] = tonumber(next)
  deferred['failoverNumber'] = count + 1
  deferred['reason'] = ARGV[7]
  deferred['attempts'] = 0
  deferred['outcome'] = 'deferred'
  deferred['error'] = 'HA_MAX_CONCURRENT_BACKUPS (' .. ARGV[10] .. ') backups running; retried when one ends'
  if not first then deferred['detectedAt'] = cjson.decode(old)['detectedAt'] end
  redis.call('HSET', KEYS[3], next, cjson.encode(deferred))
  redis.call('HSET', KEYS[2], 'schema', '1', 'createdAt', createdAt, 'deferredAt', ARGV[4])
  return {'CAPPED', tostring(running), first and '1' or '0'}
end
redis.call('ZADD', KEYS[5], now, ARGV[12])
local newEpoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HINCRBY', KEYS[1], 'failoverCount', 1)
redis.call('HSET', KEYS[1], 'containerId', '', 'identity', '', 'host', '')
local lease = string.format('%d', now + tonumber(ARGV[6]))
redis.call('HSET', KEYS[2], 'schema', '1', 'createdAt', createdAt, 'lastClaimAt', ARGV[4],
  'pendingEpoch', newEpoch, 'attempts', '1', 'attemptBy', ARGV[3], 'nextAttemptAt', lease,
  'lastError', '', 'epochSince', ARGV[4], 'awaitFirstChunkEpoch', '', 'firstChunkSeq', '')
local entry = cjson.decode(ARGV[8])
entry['schema'] = 1
entry['createdAt'] = tonumber(createdAt)
entry['fromEpoch'] = tonumber(epoch)
entry['toEpoch'] = newEpoch
entry['failoverNumber'] = count + 1
entry['reason'] = ARGV[7]
entry['claimedAt'] = now
entry['claimedBy'] = ARGV[3]
entry['attempts'] = 1
entry['outcome'] = 'starting'
redis.call('HSET', KEYS[3], tostring(newEpoch), cjson.encode(entry))
redis.call('HINCRBY', KEYS[4], ARGV[7], 1)
return {'CLAIMED', tostring(newEpoch), tostring(count + 1)}

-- Register a recorder for a recording (atomic). See RecordingStore#register.
-- KEYS: 1 rec, 2 containers, 3 chunks, 4 previous, 5 idx:recordings, 6 idx:heartbeat,
--       7 idx:containers (container id -> recording id, maps Docker events)
-- ARGV: 1 id, 2 createdAt, 3 epoch, 4 identity (container id or host), 5 containerJson,
--       6 now, 7 status index prefix, then field/value pairs of the document to set on creation
-- Returns: CREATED | REPEATED | ID_IN_USE (createdAt, status) | FINAL (status, epoch) |
--          STALE_EPOCH (epoch) | CONTAINER_CONFLICT (epoch) | EPOCH_NOT_ISSUED (a new recording
--          registers at epoch 0 only: any other epoch is one the controller never issued)
local rec = KEYS[1]

local function fields(from)
  local out = {}
  for i = from, #ARGV do out[#out + 1] = ARGV[i] end
  return out
end

local function indexContainer()
  if string.sub(ARGV[4], 1, 5) ~= 'host:' then redis.call('HSET', KEYS[7], ARGV[4], ARGV[1]) end
end

local function create()
  redis.call('HSET', rec, 'schema', '1', 'id', ARGV[1], 'createdAt', ARGV[2], 'status', 'RECORDING',
    'epoch', ARGV[3], 'identity', ARGV[4], 'registeredAt', ARGV[6], 'createdInRegistryAt', ARGV[6],
    'updatedAt', ARGV[6], 'lastHeartbeatAt', ARGV[6], 'chunkCount', '0', 'chunkSeconds', '0',
    'failoverCount', '0', 'source', 'recorder', unpack(fields(8)))
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[5])
  redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
  redis.call('ZADD', ARGV[7] .. 'RECORDING', ARGV[2], ARGV[1])
  redis.call('ZADD', KEYS[6], ARGV[6], ARGV[1])
  indexContainer()
  return {'CREATED'}
end

if redis.call('EXISTS', rec) == 0 then
  if ARGV[3] ~= '0' then return {'EPOCH_NOT_ISSUED'} end
  return create()
end

local cur = redis.call('HMGET', rec, 'createdAt', 'status', 'epoch', 'identity', 'registeredAt')
local createdAt, status, epoch, identity, registeredAt = cur[1], cur[2], cur[3], cur[4], cur[5]

if createdAt ~= ARGV[2] then
  if not recstatus.final(status) then
    return {'ID_IN_USE', createdAt, status}
  end
  if ARGV[3] ~= '0' then return {'EPOCH_NOT_ISSUED'} end
  -- OpenVidu reused the id of a finished recording: keep the old one's state under its createdAt.
  local flat = redis.call('HGETALL', rec)
  local doc = {}
  for i = 1, #flat, 2 do doc[flat[i]] = flat[i + 1] end
  doc['env'] = nil -- the old environment holds the OpenVidu secret and is no longer needed
  redis.call('RPUSH', KEYS[4], cjson.encode(doc))
  if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('RENAME', KEYS[3], KEYS[3] .. ':' .. createdAt) end
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[2] .. ':' .. createdAt) end
  redis.call('DEL', rec)
  redis.call('ZREM', ARGV[7] .. status, ARGV[1])
  return create()
end

if recstatus.final(status) then
  return {'FINAL', status, epoch}
end
if not exact.eq(ARGV[3], epoch) then
  return {'STALE_EPOCH', epoch}
end
if identity and identity ~= '' and identity ~= ARGV[4] then
  return {'CONTAINER_CONFLICT', epoch}
end
if registeredAt then
  return {'REPEATED'}
end
-- The record was created from OpenVidu's "started" webhook: this is the first registration.
redis.call('HSET', rec, 'identity', ARGV[4], 'registeredAt', ARGV[6], 'updatedAt', ARGV[6],
  'lastHeartbeatAt', ARGV[6], unpack(fields(8)))
redis.call('HSET', KEYS[2], ARGV[3], ARGV[5])
redis.call('ZADD', KEYS[6], ARGV[6], ARGV[1])
indexContainer()
return {'CREATED'}

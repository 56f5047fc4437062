-- OpenVidu's recordingStatusChanged "started" for (id, createdAt) (atomic). See
-- RecordingStore#createFromWebhook. Creates the document when no recorder has registered yet
-- (source=webhook, no registeredAt: register.lua completes it later); the webhook's startTime is
-- the recording's createdAt, so (id, createdAt) is the same key the recorder registers with.
-- KEYS: 1 rec, 2 containers, 3 chunks, 4 previous, 5 idx:recordings
-- ARGV: 1 id, 2 createdAt, 3 now, 4 status index prefix, then field/value pairs set on creation
-- Returns: CREATED | EXISTS (status) | REPLACED (createdAt of the finished recording archived) |
--          ID_IN_USE (createdAt, status of the active recording) | OLDER (createdAt of the newer
--          recording holding the id)
local rec = KEYS[1]

local function create()
  local fields = {}
  for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
  redis.call('HSET', rec, 'schema', '1', 'id', ARGV[1], 'createdAt', ARGV[2], 'status', 'RECORDING',
    'epoch', '0', 'createdInRegistryAt', ARGV[3], 'updatedAt', ARGV[3], 'chunkCount', '0',
    'chunkSeconds', '0', 'failoverCount', '0', 'source', 'webhook', unpack(fields))
  redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
  redis.call('ZADD', ARGV[4] .. 'RECORDING', ARGV[2], ARGV[1])
end

if redis.call('EXISTS', rec) == 0 then
  create()
  return {'CREATED'}
end

local cur = redis.call('HMGET', rec, 'createdAt', 'status')
local createdAt, status = cur[1], cur[2]
if createdAt == ARGV[2] then
  return {'EXISTS', status}
end
if tonumber(ARGV[2]) < tonumber(createdAt) then
  -- a late event of an earlier recording that had this id
  return {'OLDER', createdAt}
end
if not recstatus.final(status) then
  return {'ID_IN_USE', createdAt, status}
end
-- OpenVidu reused the id of a finished recording: keep the old one's state under its createdAt
-- (exactly as register.lua does).
local flat = redis.call('HGETALL', rec)
local doc = {}
for i = 1, #flat, 2 do doc[flat[i]] = flat[i + 1] end
doc['env'] = nil
redis.call('RPUSH', KEYS[4], cjson.encode(doc))
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('RENAME', KEYS[3], KEYS[3] .. ':' .. createdAt) end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[2] .. ':' .. createdAt) end
redis.call('DEL', rec)
redis.call('ZREM', ARGV[4] .. status, ARGV[1])
create()
return {'REPLACED', createdAt}

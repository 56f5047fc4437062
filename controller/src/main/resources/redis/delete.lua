-- Delete every key of a recording (atomic). See RecordingStore#delete.
-- Every key: the document, manifest, containers, failover state and history, finalization,
-- the :previous archive and what it set aside of earlier recordings with this id (manifests,
-- containers, failover histories, finalizations), and its entries in every index.
-- KEYS: 1 rec, 2 idx:recordings, 3 idx:heartbeat, 4 idx:upload-backlog, 5 idx:backups,
--       6 idx:containers
-- ARGV: 1 id, 2 force ('1' or '0'), 3 status index prefix, 4 comma-separated statuses
-- Returns: DELETED (status) | ACTIVE (status) | NOT_FOUND
local rec = KEYS[1]
local cur = redis.call('HMGET', rec, 'status', 'createdAt')
local status, createdAt = cur[1], cur[2]
if not status then
  return {'NOT_FOUND'}
end
if ARGV[2] ~= '1' and not recstatus.final(status) then
  return {'ACTIVE', status}
end

-- container index entries of the recorders listed in a containers hash
local function unindexContainers(key)
  for _, v in ipairs(redis.call('HVALS', key)) do
    local ok, c = pcall(cjson.decode, v)
    if ok and type(c) == 'table' and type(c.containerId) == 'string' and c.containerId ~= ''
        and redis.call('HGET', KEYS[6], c.containerId) == ARGV[1] then
      redis.call('HDEL', KEYS[6], c.containerId)
    end
  end
end

-- earlier recordings with this id: the archived documents, and a failover state not yet set aside
local earlier = {}
for _, doc in ipairs(redis.call('LRANGE', rec .. ':previous', 0, -1)) do
  local ok, d = pcall(cjson.decode, doc)
  if ok and type(d) == 'table' and d.createdAt ~= nil then earlier[#earlier + 1] = tostring(d.createdAt) end
end
local failoverOf = redis.call('HGET', rec .. ':failover', 'createdAt')
if failoverOf and failoverOf ~= createdAt then earlier[#earlier + 1] = failoverOf end

unindexContainers(rec .. ':containers')
for _, c in ipairs(earlier) do
  unindexContainers(rec .. ':containers:' .. c)
  redis.call('DEL', unpack(reckeys.archived(rec, c)))
end
redis.call('DEL', unpack(reckeys.current(rec, createdAt)))
for i = 2, 5 do redis.call('ZREM', KEYS[i], ARGV[1]) end
for _, s in ipairs(reckeys.split(ARGV[4])) do redis.call('ZREM', ARGV[3] .. s, ARGV[1]) end
return {'DELETED', status}

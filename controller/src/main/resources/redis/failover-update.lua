-- Update a recording's failover state and one history entry (atomic), only while the
-- recording is the one the caller saw. See FailoverStore#update.
-- KEYS: 1 rec, 2 failover state, 3 failover history
-- ARGV: 1 createdAt, 2 history epoch ('' = none), 3 history patch JSON ('' = none),
--       then field/value pairs of the state to set
-- Returns: OK | GONE
if redis.call('HGET', KEYS[1], 'createdAt') ~= ARGV[1] then
  return {'GONE'}
end
local owner = redis.call('HGET', KEYS[2], 'createdAt')
if owner and owner ~= ARGV[1] then
  -- state and history of an earlier recording with this id (OpenVidu reuses ids): set aside
  if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('RENAME', KEYS[3], KEYS[3] .. ':' .. owner) end
  redis.call('DEL', KEYS[2])
end
if #ARGV > 3 then
  local pairs_ = {}
  for i = 4, #ARGV do pairs_[#pairs_ + 1] = ARGV[i] end
  redis.call('HSET', KEYS[2], 'schema', '1', 'createdAt', ARGV[1], unpack(pairs_))
end
if ARGV[2] ~= '' and ARGV[3] ~= '' then
  local raw = redis.call('HGET', KEYS[3], ARGV[2])
  if raw then
    local entry = cjson.decode(raw)
    for k, v in pairs(cjson.decode(ARGV[3])) do entry[k] = v end
    redis.call('HSET', KEYS[3], ARGV[2], cjson.encode(entry))
  end
end
return {'OK'}

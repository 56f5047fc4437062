-- Record the container id of a primary recorder that registered without one, once it was
-- found by OpenVidu's exact container name (atomic). See RecorderHandover#adoptPrimary.
-- KEYS: 1 rec, 2 containers, 3 idx:containers
-- ARGV: 1 epoch, 2 container id, 3 recording id
-- Returns: ADOPTED | UNCHANGED
local cur = redis.call('HMGET', KEYS[1], 'epoch', 'containerId', 'status')
if not cur[3] or not exact.eq(cur[1], ARGV[1]) or (cur[2] and cur[2] ~= '') then
  return {'UNCHANGED'}
end
redis.call('HSET', KEYS[1], 'containerId', ARGV[2])
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if raw then
  local c = cjson.decode(raw)
  c['containerId'] = ARGV[2]
  redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(c))
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
return {'ADOPTED'}

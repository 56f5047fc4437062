-- Set fields other than the status on the recording (id, createdAt) (atomic). See
-- RecordingStore#annotate.
-- KEYS: 1 rec
-- ARGV: 1 createdAt, 2 number of field/value pairs that are always set (n), then those n pairs,
--       then pairs that are set only when the field is absent
-- Returns: OK (status, failoverCount) | NOT_FOUND | OTHER_RECORDING (createdAt of the recording
--          now holding the id)
local cur = redis.call('HMGET', KEYS[1], 'createdAt', 'status', 'failoverCount')
if not cur[1] then
  return {'NOT_FOUND'}
end
if cur[1] ~= ARGV[1] then
  return {'OTHER_RECORDING', cur[1]}
end
local n = tonumber(ARGV[2])
local i = 3
for _ = 1, n do
  if ARGV[i] ~= 'status' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
while i <= #ARGV do
  if ARGV[i] ~= 'status' then redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
return {'OK', cur[2], cur[3] or '0'}

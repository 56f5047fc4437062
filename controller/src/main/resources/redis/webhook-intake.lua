-- Store one webhook event durably, once (atomic). See webhook.WebhookQueue#store.
-- KEYS: 1 stream, 2 relay state, 3 dedup key, 4 pending set,
--       5 rec (the event's recording; only read when ARGV[2] == '1')
-- ARGV: 1 dedup TTL (ms), 2 '1' = OpenVidu's ready/failed: not relayed when the controller
--       announces that recording's outcome (recstatus.controller_announces), 3 the recording's
--       createdAt,
--       4 '1' = its recording state change is still to be applied, then entry field/value pairs
-- Returns: DUPLICATE (the earlier entry id) | STORED (entry id, '1' = to be relayed)
local existing = redis.call('GET', KEYS[3])
if existing then
  redis.call('HINCRBY', KEYS[2], 'duplicates', 1)
  return {'DUPLICATE', existing}
end
local relay, note = '1', ''
if ARGV[2] == '1' then
  local cur = redis.call('HMGET', KEYS[5], 'createdAt', 'failoverCount', 'controllerAnnounces', 'status')
  if cur[1] == ARGV[3] and recstatus.controller_announces(cur[2], cur[3], cur[4]) then
    relay, note = '0', 'controller-finalized'
  end
end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', 'relay', relay, 'note', note, unpack(fields))
redis.call('SET', KEYS[3], id, 'PX', ARGV[1])
if ARGV[4] == '1' then redis.call('SADD', KEYS[4], id) end
redis.call('HSETNX', KEYS[2], 'schema', '1')
redis.call('HSETNX', KEYS[2], 'position', '0-0')
redis.call('HINCRBY', KEYS[2], 'enqueued', 1)
return {'STORED', id, relay}

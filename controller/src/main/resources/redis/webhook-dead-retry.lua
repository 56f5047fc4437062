-- Put a dead letter back into the relay queue, at its end (atomic). See webhook.WebhookQueue#retry.
-- KEYS: 1 dead letters, 2 dead letter index, 3 stream, 4 relay state
-- ARGV: 1 event id, then entry field/value pairs
-- Returns: NOT_FOUND | QUEUED (the new entry id)
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return {'NOT_FOUND'}
end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[3], '*', 'relay', '1', 'note', 'retried', unpack(fields))
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSETNX', KEYS[4], 'schema', '1')
redis.call('HSETNX', KEYS[4], 'position', '0-0')
redis.call('HINCRBY', KEYS[4], 'enqueued', 1)
redis.call('HINCRBY', KEYS[4], 'retried', 1)
return {'QUEUED', id}

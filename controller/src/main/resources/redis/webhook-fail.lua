-- One failed delivery attempt of the head entry (atomic, fenced by the lease). See
-- webhook.WebhookQueue#fail. The attempt count and the next attempt time are stored, so a
-- restarted or new leader continues the same backoff.
-- KEYS: 1 relay lease, 2 relay state
-- ARGV: 1 lease owner, 2 entry id, 3 now, 4 error text, 5 event id, 6 first delay (ms), 7 largest delay (ms)
-- Returns: NOT_LEADER | OK (attempts, first attempt ms, next attempt ms)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'NOT_LEADER'}
end
local now = tonumber(ARGV[3])
local attempts
local first
if redis.call('HGET', KEYS[2], 'headId') ~= ARGV[2] then
  attempts = 1
  first = ARGV[3]
  redis.call('HSET', KEYS[2], 'headId', ARGV[2], 'headEventId', ARGV[5], 'headAttempts', '1',
    'headFirstAttemptAt', ARGV[3])
else
  attempts = redis.call('HINCRBY', KEYS[2], 'headAttempts', 1)
  first = redis.call('HGET', KEYS[2], 'headFirstAttemptAt')
end
local exponent = math.min(attempts - 1, 30)
local delay = math.min(tonumber(ARGV[6]) * (2 ^ exponent), tonumber(ARGV[7]))
local nextAt = string.format('%d', now + delay)
redis.call('HSET', KEYS[2], 'headNextAttemptAt', nextAt, 'lastError', ARGV[4], 'lastErrorAt', ARGV[3],
  'lastErrorEventId', ARGV[5])
redis.call('HINCRBY', KEYS[2], 'failedAttempts', 1)
return {'OK', tostring(attempts), first, nextAt}

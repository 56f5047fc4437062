-- The relay leader finished one entry (atomic, fenced by the lease). See webhook.WebhookQueue#commit.
-- KEYS: 1 relay lease, 2 relay state, 3 pending set, 4 dead letters, 5 dead letter index
-- ARGV: 1 lease owner, 2 entry id, 3 outcome counter (delivered, notRelayed, suppressed, deadLettered),
--       4 now, 5 event id, 6 dead letter JSON (outcome deadLettered), 7 most dead letters kept
-- Returns: NOT_LEADER | ALREADY | OK (ids of the dead letters dropped to keep the limit)
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function after(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then return am > bm end
  return as > bs
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'NOT_LEADER'}
end
local pos = redis.call('HGET', KEYS[2], 'position') or '0-0'
if not after(ARGV[2], pos) then
  return {'ALREADY'}
end
redis.call('HSET', KEYS[2], 'schema', '1', 'position', ARGV[2])
redis.call('HDEL', KEYS[2], 'headId', 'headEventId', 'headAttempts', 'headFirstAttemptAt', 'headNextAttemptAt')
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('HINCRBY', KEYS[2], 'processed', 1)
redis.call('SREM', KEYS[3], ARGV[2])
if ARGV[3] == 'delivered' then
  redis.call('HSET', KEYS[2], 'lastDeliveredAt', ARGV[4], 'lastDeliveredEventId', ARGV[5])
end
-- the answer lists the dead letters dropped to keep the limit (built here: unpack has a limit)
local result = {'OK'}
if ARGV[3] == 'deadLettered' then
  redis.call('HSET', KEYS[4], ARGV[5], ARGV[6])
  redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5])
  local over = redis.call('ZCARD', KEYS[5]) - tonumber(ARGV[7])
  if over > 0 then
    local popped = redis.call('ZPOPMIN', KEYS[5], over)
    for i = 1, #popped, 2 do
      redis.call('HDEL', KEYS[4], popped[i])
      result[#result + 1] = popped[i]
    end
  end
end
return result

-- The keys of one recording, built from its document key (RedisKeys#recording, ov2ha:rec:{id});
-- the suffixes are those of RedisKeys. Prepended to every script (see LuaScripts), so that the
-- retention (transition.lua, abandon.lua, prune.lua) and delete.lua reach the same keys. The
-- keys share the {id} hash tag: one slot, one primary.
local reckeys = {}

-- Keys of the current recording (createdAt: its createdAt, for its finalization); the document
-- key comes last.
function reckeys.current(rec, createdAt)
  local keys = {rec .. ':chunks', rec .. ':containers', rec .. ':previous', rec .. ':failover',
    rec .. ':failovers'}
  if createdAt then keys[#keys + 1] = rec .. ':finalize:' .. createdAt end
  keys[#keys + 1] = rec
  return keys
end

-- Keys of an earlier recording with this id, set aside under its createdAt (register.lua,
-- webhook-started.lua, recorder-claim.lua).
function reckeys.archived(rec, createdAt)
  return {rec .. ':chunks:' .. createdAt, rec .. ':containers:' .. createdAt,
    rec .. ':failovers:' .. createdAt, rec .. ':finalize:' .. createdAt}
end

-- A finished recording's keys expire in ms milliseconds (HA_STATE_RETENTION); ms '' or nil:
-- they stay (the recording is active again). Keys archived earlier keep their own expiry.
function reckeys.retain(rec, createdAt, ms)
  local expire = ms ~= nil and ms ~= '' and ms ~= '0'
  for _, key in ipairs(reckeys.current(rec, createdAt)) do
    if expire then redis.call('PEXPIRE', key, ms) else redis.call('PERSIST', key) end
  end
end

-- Splits 'A,B,C'
function reckeys.split(csv)
  local out = {}
  for item in string.gmatch(csv, '[^,]+') do out[#out + 1] = item end
  return out
end

-- Record a heartbeat (atomic, one round trip). See RecordingStore#heartbeat.
-- KEYS: 1 rec, 2 idx:heartbeat, 3 idx:upload-backlog
-- ARGV: 1 epoch, 2 lastChunkSeq ('' = none), 3 uploadBacklog, 4 freeDiskBytes, 5 now, 6 id,
--       7 phase ('' = not reported), 8 mediaTimeMs, 9 frames, 10 speed ('' = not reported),
--       11 progressAgeMs: how long before this heartbeat ffmpeg's last report arrived ('' = not reported),
--       12 content (shown | blank | pending | '' = not reported), 13 blankMs, 14 shownMediaMs ('' = none)
-- Returns: OK (status, epoch, standstill: '1' when a capturing heartbeat of the same epoch shows no
--          growth since the last one, else '0') | NOT_FOUND | FINAL (status, epoch) | STALE_EPOCH (epoch)
-- Progress: hbAdvancedAt is when the media time or frame count of this epoch was last seen to grow
-- (the first capturing heartbeat of an epoch counts); a new epoch starts over. It is the time of
-- that heartbeat, minus the age of the report it carried when the recorder tells it (never before
-- the previous value): a stall counts from ffmpeg's last report, not from the next heartbeat.
local cur = redis.call('HMGET', KEYS[1], 'status', 'epoch')
local status, epoch = cur[1], cur[2]
local refused = recstatus.refusal(status, epoch, ARGV[1])
if refused then
  return refused
end
local prev = redis.call('HMGET', KEYS[1], 'hbEpoch', 'hbMediaTimeMs', 'hbFrames', 'hbAdvancedAt')
local sameEpoch = prev[1] == ARGV[1]
local function grew(new, old)
  if new == '' then return false end
  if not old or old == '' then return true end
  return tonumber(new) > tonumber(old)
end
local advanced = false
local standstill = '0'
if ARGV[7] == 'capturing' then
  if not sameEpoch or not prev[4] or prev[4] == '' then
    advanced = true
  else
    advanced = grew(ARGV[8], prev[2]) or grew(ARGV[9], prev[3])
    if not advanced then standstill = '1' end
  end
end
-- hbMediaAtMs: when ffmpeg had written hbMediaTimeMs (this heartbeat minus its report's age)
local mediaAt = tonumber(ARGV[5])
if ARGV[11] ~= '' then
  mediaAt = mediaAt - tonumber(ARGV[11])
end
redis.call('HSET', KEYS[1], 'hbMediaAtMs', string.format('%.0f', mediaAt))
redis.call('HSET', KEYS[1], 'lastHeartbeatAt', ARGV[5], 'hbLastChunkSeq', ARGV[2],
  'hbUploadBacklog', ARGV[3], 'hbFreeDiskBytes', ARGV[4], 'hbEpoch', ARGV[1], 'hbPhase', ARGV[7],
  'hbMediaTimeMs', ARGV[8], 'hbFrames', ARGV[9], 'hbSpeed', ARGV[10],
  'hbContent', ARGV[12], 'hbBlankMs', ARGV[13], 'hbShownMediaMs', ARGV[14])
if advanced then
  local at = tonumber(ARGV[5])
  if ARGV[11] ~= '' then
    at = at - tonumber(ARGV[11])
    if sameEpoch and prev[4] and prev[4] ~= '' and at < tonumber(prev[4]) then
      at = tonumber(prev[4])
    end
  end
  redis.call('HSET', KEYS[1], 'hbAdvancedAt', string.format('%.0f', at))
elseif not sameEpoch then
  redis.call('HSET', KEYS[1], 'hbAdvancedAt', '')
end
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[6])
return {'OK', status, epoch, standstill}

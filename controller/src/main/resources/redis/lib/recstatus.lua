-- The final statuses of RecordingStatus (READY, FAILED, ABANDONED): a final recording changes no
-- more, but for its deletion and retention. Prepended to every script (see LuaScripts), so that
-- no script spells the list out.
local recstatus = {}

local FINAL = {READY = true, FAILED = true, ABANDONED = true}

-- true when s (a status string, or nil) is final
function recstatus.final(s)
  return s ~= nil and FINAL[s] == true
end

-- (exact.lua is prepended before this file: LuaScripts.LIBS keeps that order.)
-- The answer to a recorder's call for a recording whose hash has this status and epoch, when the
-- call is refused: NOT_FOUND (no recording), FINAL (status, epoch), STALE_EPOCH (epoch: the
-- caller's epoch is not the current one); nil when the call may go on.
function recstatus.refusal(status, epoch, callerEpoch)
  if not status then
    return {'NOT_FOUND'}
  end
  if recstatus.final(status) then
    return {'FINAL', status, epoch}
  end
  if not exact.eq(callerEpoch, epoch) then
    return {'STALE_EPOCH', epoch}
  end
  return nil
end

-- The rules on a recording's status the scripts share: the final statuses of RecordingStatus
-- (READY, FAILED, ABANDONED: a final recording changes no more, but for its deletion and
-- retention), a recorder's call refused, and who announces the final status. Prepended to every
-- script (see LuaScripts), so that no script spells them out.
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

-- Whether the controller announces the recording's final status (OpenVidu's own final event is
-- then not relayed), from the hash's failoverCount, controllerAnnounces and status (false or nil
-- when absent): a backup recorded, the controller said so, or it is still FINALIZING it. The rule
-- of recording.FinalEventOwner; LuaRecStatusTest checks that both agree.
function recstatus.controller_announces(failoverCount, flag, status)
  return (tonumber(failoverCount or '0') or 0) > 0 or flag == '1' or status == 'FINALIZING'
end

-- The final statuses of RecordingStatus (READY, FAILED, ABANDONED): a final recording changes no
-- more, but for its deletion and retention. Prepended to every script (see LuaScripts), so that
-- no script spells the list out.
local recstatus = {}

local FINAL = {READY = true, FAILED = true, ABANDONED = true}

-- true when s (a status string, or nil) is final
function recstatus.final(s)
  return s ~= nil and FINAL[s] == true
end

-- Exact comparison of non-negative integers held as canonical decimal strings ("0", "17"; no
-- sign, no leading zero, no exponent, no fraction). Prepended to the scripts that compare epochs
-- and chunk sequence numbers (see LuaScripts): tonumber() turns them into doubles, which
-- cannot tell 2^53 from 2^53+1. A value that is not canonical never equals anything.
local exact = {}

-- s if it is a canonical decimal integer (string), else nil
function exact.int(s)
  if type(s) == 'number' then s = string.format('%d', s) end
  if type(s) ~= 'string' then return nil end
  if s == '0' or string.find(s, '^[1-9][0-9]*$') then return s end
  return nil
end

-- true only when both are canonical and the same integer
function exact.eq(a, b)
  local x, y = exact.int(a), exact.int(b)
  return x ~= nil and x == y
end

-- -1, 0, 1 comparing two canonical integers; nil if either is not canonical
function exact.cmp(a, b)
  local x, y = exact.int(a), exact.int(b)
  if x == nil or y == nil then return nil end
  if #x ~= #y then return #x < #y and -1 or 1 end
  if x == y then return 0 end
  return x < y and -1 or 1
end

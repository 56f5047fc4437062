-- wrk script: PUT /api/recordings/{id}/heartbeat round-robin over the registered ids.
-- Environment: BENCH_IDS (count), BENCH_PREFIX (id prefix), BENCH_AUTH (Basic token).
local count = tonumber(os.getenv("BENCH_IDS") or "1000")
local prefix = os.getenv("BENCH_PREFIX") or "ses_bench"
local auth = "Basic " .. os.getenv("BENCH_AUTH")
local n = 0

function setup(thread)
  thread:set("offset", n * 7919)
  n = n + 1
end

local i = 0
function request()
  i = i + 1
  local id = prefix .. ((i + offset) % count)
  local body = '{"epoch":0,"lastChunkSeq":' .. (i % 1000) .. ',"uploadBacklog":0,"freeDiskBytes":50000000000}'
  return wrk.format("PUT", "/api/recordings/" .. id .. "/heartbeat",
    {["Authorization"] = auth, ["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f errors_status=%d errors_other=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

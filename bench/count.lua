-- wrk script for bench/run.py's GET pages: count every response that is not a 200 (a redirect to /login
-- would otherwise look like success).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD_STATUS %d\n", total))
end

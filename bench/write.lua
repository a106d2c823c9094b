-- wrk script for bench/run.py: the same signed-in POST again and again, one learner per wrk thread.
-- Arguments after "--": the path, then a cookie and a CSRF token per learner.
local threads, count = {}, 0

function setup(thread)
  count = count + 1
  thread:set("index", count)
  table.insert(threads, thread)
end

function init(args)
  path, cookie, csrf, bad = args[1], args[2 * index], args[1 + 2 * index], 0
end

function request()
  local headers = {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  return wrk.format("POST", path, headers, "csrf_token=" .. csrf)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("BAD_STATUS %d\n", total))
end

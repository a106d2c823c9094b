-- wrk script for bench/run.py: start → submit cycles, one signed-in learner per wrk thread (one
-- connection each, so a thread's requests run strictly in turn).
-- Arguments after "--": start path, url-encoded answers, then a cookie and a CSRF token per learner.
local threads, count = {}, 0

function setup(thread)
  count = count + 1
  thread:set("index", count)
  table.insert(threads, thread)
end

function init(args)
  start_path, answers = args[1], args[2]
  cookie, csrf = args[1 + 2 * index], args[2 + 2 * index]
  cycles, errors, attempt = 0, 0, nil
end

function request()
  local headers = {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  if attempt == nil then
    return wrk.format("POST", start_path, headers, "csrf_token=" .. csrf)
  end
  return wrk.format("POST", attempt .. "/submit", headers, "csrf_token=" .. csrf .. "&" .. answers)
end

function response(status, headers, body)
  local location = headers["Location"] or ""
  if attempt == nil then
    attempt = status == 302 and string.match(location, "^/attempts/%d+$") or nil
    if attempt == nil then errors = errors + 1 end
  else
    if status == 302 and location == attempt .. "/result" then cycles = cycles + 1 else errors = errors + 1 end
    attempt = nil
  end
end

function done(summary, latency, requests)
  local total_cycles, total_errors = 0, 0
  for _, thread in ipairs(threads) do
    total_cycles = total_cycles + thread:get("cycles")
    total_errors = total_errors + thread:get("errors")
  end
  io.write(string.format("CYCLES %d ERRORS %d DURATION_US %d\n", total_cycles, total_errors, summary.duration))
end

-- wrk script for bench/run.py: signed-in POSTs, one learner per wrk thread.
-- Arguments after "--": a mode, a path, url-encoded answers, then a cookie and a CSRF token per learner.
--   cycle: POST the path (start an attempt), then POST <attempt>/submit with the answers; a cycle is both
--          (run it with one connection per thread, so a thread's requests run strictly in turn).
--   write: POST the path again and again; each 200 is done.
local threads, count = {}, 0

function setup(thread)
  count = count + 1
  thread:set("index", count)
  table.insert(threads, thread)
end

function init(args)
  mode, path, answers = args[1], args[2], args[3]
  cookie, csrf = args[2 + 2 * index], args[3 + 2 * index]
  finished, errors, attempt = 0, 0, nil
end

local function post(target, fields)
  local headers = {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  return wrk.format("POST", target, headers, "csrf_token=" .. csrf .. fields)
end

function request()
  if mode == "write" or attempt == nil then
    return post(path, "")
  end
  return post(attempt .. "/submit", "&" .. answers)
end

local function count_if(ok)
  if ok then finished = finished + 1 else errors = errors + 1 end
end

function response(status, headers, body)
  local location = headers["Location"] or ""
  if mode == "write" then
    count_if(status == 200)
  elseif attempt == nil then
    attempt = status == 302 and string.match(location, "^/attempts/%d+$") or nil
    if attempt == nil then errors = errors + 1 end
  else
    count_if(status == 302 and location == attempt .. "/result")
    attempt = nil
  end
end

function done(summary, latency, requests)
  local total_finished, total_errors = 0, 0
  for _, thread in ipairs(threads) do
    total_finished = total_finished + thread:get("finished")
    total_errors = total_errors + thread:get("errors")
  end
  io.write(string.format("FINISHED %d ERRORS %d DURATION_US %d\n", total_finished, total_errors, summary.duration))
end

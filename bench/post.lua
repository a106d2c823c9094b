-- wrk script for bench/run.py: signed-in POSTs, one learner per wrk thread.
-- Arguments after "--": a mode, a path, url-encoded answers, then a cookie and a CSRF token per learner.
--   cycle: POST the path (start an attempt), then POST <attempt>/submit with the answers; a cycle is both
--          (run it with one connection per thread, so a thread's requests run strictly in turn).
--   write: POST the path again and again; each 200 is done.
--   submit: POST /attempts/<id>/submit for attempts started ahead of the run (bench/prestart.py), one per
--          request; the path argument is the prefix of the files listing them ("<attempt> <cookie> <csrf>",
--          file <prefix>.<thread number>); each redirect to the result is done, and running out is an error.
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
  if mode == "submit" then
    started, next_started = {}, 1
    for line in io.lines(path .. "." .. index) do table.insert(started, line) end
  end
end

local function post(target, fields)
  local headers = {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}
  return wrk.format("POST", target, headers, "csrf_token=" .. csrf .. fields)
end

local function submit_started()
  local line = started[next_started]
  if line == nil then  -- every prepared attempt used: the answer (not a result redirect) counts as an error
    return wrk.format("POST", "/attempts/0/submit")
  end
  next_started = next_started + 1
  local target, cookie_pair, token = string.match(line, "^(%S+) (%S+) (%S+)$")
  local headers = {["Cookie"] = cookie_pair, ["Content-Type"] = "application/x-www-form-urlencoded"}
  return wrk.format("POST", target .. "/submit", headers, "csrf_token=" .. token .. "&" .. answers)
end

function request()
  if mode == "submit" then
    return submit_started()
  end
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
  elseif mode == "submit" then
    count_if(status == 302 and string.match(location, "^/attempts/%d+/result$") ~= nil)
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

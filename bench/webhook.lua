-- wrk script of bench/webhook.py: POSTs pre-signed Meta webhook bodies, never the same twice.
--
-- wrk's Lua has no HMAC, so bench/webhook.py writes the bodies and their signatures ahead of
-- time, one file per wrk thread ("<prefix><thread>.txt", one "signature<TAB>body" per line).
-- Each thread sends its own file in order. done() prints "WRK_JSON {...}" like
-- wrk_report.lua, plus the number of 200 answers, of other answers, and of bodies sent a
-- second time because a file ran out ("wrapped": then the loss check does not hold).

local thread_count = 0
local threads = {}

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local lines = {}
local position = 0
ok = 0
other = 0
wrapped = 0

function init(args)
  local prefix = args[1]
  local file = assert(io.open(prefix .. thread_index .. ".txt", "r"))
  for line in file:lines() do
    table.insert(lines, line)
  end
  file:close()
end

function request()
  position = position + 1
  if position > #lines then
    position = 1
    wrapped = wrapped + 1
  end
  local line = lines[position]
  local tab = string.find(line, "\t", 1, true)
  local headers = {
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "facebookexternalua",
    ["X-Hub-Signature-256"] = string.sub(line, 1, tab - 1),
  }
  return wrk.format("POST", wrk.path, headers, string.sub(line, tab + 1))
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    other = other + 1
  end
end

local function ms(microseconds)
  return string.format("%.3f", microseconds / 1000)
end

function done(summary, latency, _)
  local total_ok, total_other, total_wrapped = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_other = total_other + thread:get("other")
    total_wrapped = total_wrapped + thread:get("wrapped")
  end
  local errors = summary.errors
  local fields = {
    '"requests":' .. summary.requests,
    '"duration_s":' .. string.format("%.6f", summary.duration / 1e6),
    '"bytes":' .. summary.bytes,
    '"errors":{"connect":' .. errors.connect
      .. ',"read":' .. errors.read
      .. ',"write":' .. errors.write
      .. ',"status":' .. errors.status
      .. ',"timeout":' .. errors.timeout .. '}',
    '"latency_ms":{"p50":' .. ms(latency:percentile(50))
      .. ',"p95":' .. ms(latency:percentile(95))
      .. ',"p99":' .. ms(latency:percentile(99))
      .. ',"mean":' .. ms(latency.mean)
      .. ',"max":' .. ms(latency.max) .. '}',
    '"ok":' .. total_ok,
    '"other":' .. total_other,
    '"wrapped":' .. total_wrapped,
  }
  io.write("WRK_JSON {" .. table.concat(fields, ",") .. "}\n")
end

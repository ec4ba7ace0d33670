-- wrk script shared by Ágora's HTTP benchmarks (bench/common.py runs it).
--
-- Arguments after "--" are request paths (with their query strings); every connection
-- rotates through them, each wrk thread starting at a different place in the list. With no
-- paths the path of the URL given to wrk is requested. An argument "--unique=NAME" adds a
-- parameter NAME with a value never sent before to every request, so that no response or
-- fragment cache keyed on the query string can answer it (the view ignores the parameter).
-- done() prints one line, "WRK_JSON {...}", with the totals, the errors and the latency
-- percentiles (50, 95, 99), mean and maximum in milliseconds.

local paths = {}
local requests = {}
local position = 0
local threads = 0
local unique = nil
local sent = 0
local thread_tag = 0

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

function init(args)
  for _, arg in ipairs(args) do
    local name = string.match(arg, "^%-%-unique=(.+)$")
    if name then
      unique = name
    else
      table.insert(paths, arg)
    end
  end
  if #paths == 0 then
    table.insert(paths, wrk.path)
  end
  -- A browser-like client: the directory skips counting robots' visits.
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AgoraBench/1.0"
  wrk.headers["Accept"] = "text/html,application/xhtml+xml"
  wrk.headers["Accept-Language"] = "es-PE,es;q=0.9"
  for i, path in ipairs(paths) do
    requests[i] = wrk.format("GET", path)
  end
  thread_tag = thread_index or 0
  position = (thread_tag * 7) % #requests
end

function request()
  position = position % #requests + 1
  if unique == nil then
    return requests[position]
  end
  sent = sent + 1
  local path = paths[position]
  local sep = string.find(path, "?", 1, true) and "&" or "?"
  return wrk.format("GET", path .. sep .. unique .. "=" .. thread_tag .. "-" .. sent)
end

local function ms(microseconds)
  return string.format("%.3f", microseconds / 1000)
end

function done(summary, latency, _)
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
  }
  io.write("WRK_JSON {" .. table.concat(fields, ",") .. "}\n")
end

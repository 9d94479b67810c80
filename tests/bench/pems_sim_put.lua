-- wrk script for the pems-sim PUT benchmark (tests/bench/pems_sim_put.sh runs it).
--
-- Each wrk thread owns a disjoint slice of the generated records and PUTs to them round robin,
-- sending for each record the version the last response reported (1 before the first), so nearly
-- every PUT succeeds: a slice is far larger than the connections in flight, so a record is never
-- written twice at once. The one result line is printed by done().
--
-- Environment: BENCH_ORG, BENCH_FIRST, BENCH_RECORDS, BENCH_API_KEY, BENCH_THREADS,
-- BENCH_CONNECTIONS, BENCH_BUILD_TYPE.

local org = os.getenv("BENCH_ORG") or "BENCH"
local first = tonumber(os.getenv("BENCH_FIRST") or "10001")
local records = tonumber(os.getenv("BENCH_RECORDS") or "20000")
local key = os.getenv("BENCH_API_KEY") or "sim-key"
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")

local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
end

function init(args)
   slice = math.floor(records / thread_count)
   base = first + tid * slice
   position = 0
   versions = {}
   headers = { ["Content-Type"] = "application/json", ["X-Api-Key"] = key }
end

function request()
   local number = base + position
   position = (position + 1) % slice
   local id = "PFA-" .. number
   local version = versions[number] or 1
   local body = '{"pfaId":"' .. id .. '","organizationCode":"' .. org .. '","version":' ..
      version .. ',"changes":{"description":"benchmark edit ' .. version ..
      '"},"modifiedBy":"wrk","changeReason":"benchmark"}'
   return wrk.format("PUT", "/api/pems/pfa/" .. id, headers, body)
end

function response(status, headers, body)
   local number = body:match('"pfaId":"PFA%-(%d+)"')
   if not number then
      return
   end
   -- 200 reports newVersion, 409 currentVersion: either way the version to send next time.
   local version = body:match('"newVersion":(%d+)') or body:match('"currentVersion":(%d+)')
   if version then
      versions[tonumber(number)] = tonumber(version)
   end
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local errors = summary.errors
   local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
   io.write(string.format(
      '{"benchmark":"pems_sim_put","requests_per_s":%.0f,"p99_ms":%.3f,"p50_ms":%.3f,' ..
      '"connections":%d,"threads":%d,"requests":%d,"non_2xx":%d,"socket_errors":%d,' ..
      '"duration_s":%.1f,"build_type":"%s"}\n',
      summary.requests / seconds, latency:percentile(99) / 1000, latency:percentile(50) / 1000,
      tonumber(os.getenv("BENCH_CONNECTIONS") or "0"), thread_count, summary.requests,
      errors.status, socket_errors, seconds, os.getenv("BENCH_BUILD_TYPE") or "unknown"))
end

-- wrk script for bench/all.sh: one fixed request per measure, described by the environment.
--
--   BENCH_METHOD  GET (default) or POST
--   BENCH_BODY    the form body of a POST (application/x-www-form-urlencoded)
--   BENCH_BASIC   base64("id:secret") for HTTP Basic client authentication (optional)
--
-- No response() callback: a Lua call per response costs wrk throughput. Non-2xx answers are
-- counted by wrk itself (summary.errors.status).

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local basic = os.getenv("BENCH_BASIC") or ""

wrk.method = method
if method == "POST" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
if basic ~= "" then
  wrk.headers["Authorization"] = "Basic " .. basic
end
wrk.headers["Accept"] = "application/json"

-- One machine-readable line after wrk's report (latencies in microseconds).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,' ..
    '"latency_p50_us":%d,"latency_p99_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end

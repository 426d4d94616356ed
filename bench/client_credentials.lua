-- wrk script: the OAuth 2.0 client-credentials grant against a realm's token endpoint.
--
-- bench/run.sh sets these environment variables:
--   BENCH_BASIC   base64("client_id:client_secret") for client_secret_basic
--   BENCH_SCOPE   the scope to request (default ".default")
--   BENCH_DELAY_MS  optional pause before each request on a connection (paced mode, BENCH_RATE)
--
-- Every request is the same POST; the server does the full work each time (client lookup,
-- constant-time secret check, scope resolution, ES256 signature), as a real client's would.
-- No response() callback on purpose: calling into Lua per response costs wrk throughput. Non-2xx
-- answers are counted by wrk itself (summary.errors.status, "Non-2xx or 3xx responses").

local basic = os.getenv("BENCH_BASIC")
if basic == nil or basic == "" then
  error("BENCH_BASIC must hold base64(client_id:client_secret)")
end
local scope = os.getenv("BENCH_SCOPE") or ".default"

wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=" .. scope
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. basic
wrk.headers["Accept"] = "application/json"

-- Paced mode: each connection waits this long before sending its next request, so the offered
-- rate is about connections / (pause + latency) instead of "as fast as the server answers".
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pause > 0 then
  function delay()
    return pause
  end
end

-- One machine-readable line after wrk's own report, so run.sh need not scrape the text table.
-- Latencies are in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,' ..
    '"latency_mean_us":%.1f,"latency_stdev_us":%.1f,"latency_max_us":%d,' ..
    '"latency_p50_us":%d,"latency_p90_us":%d,"latency_p99_us":%d,"latency_p999_us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end

-- The wrk report every bench script prints: one machine-readable line after wrk's own table, so
-- run.sh and all.sh need not scrape the text. Latencies are in microseconds. Loaded with
-- dofile() by client_credentials.lua, request.lua and refresh.lua.

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

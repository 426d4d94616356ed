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

-- done(): the shared report, from the directory this script was loaded from.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

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

-- done(): the shared report, from the directory this script was loaded from.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

-- wrk script for bench/all.sh: refresh-token rotation (RFC 6749 §6). Every answer carries a new
-- refresh token and the one presented is spent, so each wrk thread keeps a pool: a request takes
-- a token from it, a 200 answer puts its new token back. The pool starts with the tokens listed
-- one per line in BENCH_TOKENS_FILE, dealt to the threads in turn; each thread needs at least as
-- many as it has connections. BENCH_BASIC is base64("client_id:client_secret").

local basic = os.getenv("BENCH_BASIC")
local file = os.getenv("BENCH_TOKENS_FILE")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  local n, i, mine = #threads, 0, {}
  -- setup() runs once per thread, before any runs; hand thread k every k-th token.
  local count = tonumber(os.getenv("BENCH_THREADS") or "2")
  for line in io.lines(file) do
    if i % count == n - 1 then table.insert(mine, line) end
    i = i + 1
  end
  thread:set("pool_text", table.concat(mine, " "))
end

local pool = {}
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = "Basic " .. (basic or ""),
  ["Accept"] = "application/json",
}

function init(args)
  for t in string.gmatch(pool_text or "", "%S+") do table.insert(pool, t) end
end

function request()
  local t = table.remove(pool) or "exhausted"
  return wrk.format("POST", nil, headers, "grant_type=refresh_token&refresh_token=" .. t)
end

function response(status, hdrs, body)
  if status == 200 then
    local t = string.match(body, '"refresh_token":"([^"]+)"')
    if t then table.insert(pool, t) end
  end
end

-- done(): the shared report, from the directory this script was loaded from.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

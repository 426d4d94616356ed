#!/usr/bin/env bash
# Load benchmark of the client-credentials grant (see bench/README.md).
#
# Builds the release binary, starts it on a fresh SQLite database, registers a Web client through
# the admin API, and drives the token endpoint with wrk while sampling the server's resident
# memory. Prints a table, PASS/FAIL against the targets, and writes bench/results/latest.json.
#
# Exit status: 0 when the benchmark ran (whatever the figures), non-zero when it could not run
# (build failed, server did not start or died, the token endpoint did not answer 200).
#
# Knobs (environment):
#   BENCH_DURATION=20s  BENCH_THREADS=2  BENCH_CONNECTIONS=64  BENCH_WARMUP=5s
#   BENCH_PORT=18080    (the next free port is used if taken)
#   BENCH_RATE=N          paced mode: offer about N requests/s instead of saturating the server
#                         (each connection pauses BENCH_DELAY_MS=5 ms between requests; the
#                         connection count is derived from N unless BENCH_CONNECTIONS is set)
#   BENCH_SETTLE_SECS=30  wait up to this long for the 1-minute load average to drop below 1
#   BENCH_SKIP_BUILD=1    use the existing target/release/tessera
#   BENCH_KEEP=1          keep the temp directory (database, server log) for inspection
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION="${BENCH_DURATION:-20s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
RATE="${BENCH_RATE:-}"
DELAY_MS=0
if [ -n "$RATE" ]; then
  DELAY_MS="${BENCH_DELAY_MS:-5}"
  # rate ≈ connections / (pause + latency); assume ~0.8 ms latency when unloaded.
  [ -n "${BENCH_CONNECTIONS:-}" ] || CONNECTIONS=$(( (RATE * (DELAY_MS * 10 + 8) + 9999) / 10000 ))
fi
WARMUP="${BENCH_WARMUP:-5s}"
PORT="${BENCH_PORT:-18080}"
SETTLE_SECS="${BENCH_SETTLE_SECS:-30}"
PARTITION=bench

# Targets (issue #2): on the 2-core machine, load generator on the same machine.
TARGET_RPS=10000
TARGET_P99_MS=10
TARGET_RSS_MB=60

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

need wrk
need curl
need python3

# --- machine conditions, before we add any load of our own -------------------------------------
NPROC="$(nproc)"
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
CPU_MODEL="${CPU_MODEL:-unknown}"
MEM_TOTAL_MB="$(awk '/MemTotal/ {printf "%d", $2/1024}' /proc/meminfo)"
LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
KERNEL="$(uname -r)"

# --- build ----------------------------------------------------------------------------------
BIN="$ROOT/target/release/tessera"
build_unless_skipped "$BIN"

# --- fresh database and a free port ---------------------------------------------------------------
WORK="$(mktemp -d -t tessera-bench.XXXXXX)"
SERVER_PID=""
SAMPLER_PID=""
cleanup() {
  local status=$?
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-}" = "1" ] || [ "$status" -ne 0 ]; then
    printf 'bench: kept %s (server.log, bench.db)\n' "$WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="$(free_port "$PORT")"

PUBLIC_URL="http://127.0.0.1:$PORT"
DB_URL="sqlite://$WORK/bench.db"

log "initialising partition '$PARTITION' in $WORK/bench.db"
printf 'bench-admin-%s\n' "$RANDOM$RANDOM$RANDOM" >"$WORK/admin-password"
"$BIN" init --database-url "$DB_URL" --public-url "$PUBLIC_URL" \
  --partition "$PARTITION" --admin-username benchadmin \
  --admin-password-file "$WORK/admin-password" --json >"$WORK/init.json" 2>"$WORK/init.log" \
  || { cat "$WORK/init.log" >&2; die "tessera init failed"; }
AUTO_ID="$(json "$WORK/init.json" 'd["automation_client_id"]')"
AUTO_SECRET="$(json "$WORK/init.json" 'd["automation_client_secret"]')"
USER_ISSUER="$(json "$WORK/init.json" 'd["user_issuer"]')"
TOKEN_URL="$USER_ISSUER/oauth2/token"
ADMIN="$PUBLIC_URL/admin/api/v1/partitions/$PARTITION"

log "starting the server on $PUBLIC_URL"
# One client drives the whole run, far past the default per-client limit (6000 a minute): the
# limit stays on, so its cost on the hot path is measured, but high enough never to refuse.
TESSERA_CLIENTS__TOKEN_REQUESTS_PER_MINUTE=1000000000 "$BIN" serve --database-url "$DB_URL" --listen "127.0.0.1:$PORT" --public-url "$PUBLIC_URL" \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited during start-up"; }
  curl -fsS -o /dev/null "$PUBLIC_URL/readyz" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "$PUBLIC_URL/readyz" || die "the server did not become ready within 10 s"

# --- a dedicated Web client with an application permission ---------------------------------------
# api METHOD PATH [JSON] → body in $WORK/resp.json, status in $HTTP_STATUS
api() {
  local args=(-sS -o "$WORK/resp.json" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $ADMIN_TOKEN")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  HTTP_STATUS="$(curl "${args[@]}" "$ADMIN$2")"
}

log "getting an admin token for the automation client"
status="$(curl -sS -o "$WORK/admin-token.json" -w '%{http_code}' -u "$AUTO_ID:$AUTO_SECRET" \
  -d grant_type=client_credentials -d scope=app.core.admin.manage "$TOKEN_URL")"
[ "$status" = 200 ] || { cat "$WORK/admin-token.json" >&2; echo >&2; die "admin token request answered $status"; }
ADMIN_TOKEN="$(json "$WORK/admin-token.json" 'd["access_token"]')"

PERMISSION=app.knowledge.portalmgr.read
api GET /permissions
if [ "$HTTP_STATUS" = 200 ] && json "$WORK/resp.json" '"yes" if any(p["name"]=="'"$PERMISSION"'" for p in d["items"]) else None' | grep -q yes; then
  log "registering Web client 'bench-web' with $PERMISSION"
  api POST /client-applications '{"name":"bench-web","platform":"web","resource_type":"global","redirect_urls":["http://127.0.0.1:18081/cb"],"post_logout_redirect_urls":[],"obo_enabled":false,"token_exchange_enabled":false,"access_token_ttl":3600}'
  [ "$HTTP_STATUS" = 201 ] || { cat "$WORK/resp.json" >&2; echo >&2; die "creating the client answered $HTTP_STATUS"; }
  CLIENT_ID="$(json "$WORK/resp.json" 'd["client_id"]')"
  api PUT "/client-applications/$CLIENT_ID/permissions" "{\"permissions\":[\"$PERMISSION\"]}"
  [ "$HTTP_STATUS" = 200 ] || { cat "$WORK/resp.json" >&2; echo >&2; die "assigning permissions answered $HTTP_STATUS"; }
  api POST "/client-applications/$CLIENT_ID/secrets" '{"name":"bench","expires_in_days":30}'
  [ "$HTTP_STATUS" = 201 ] || { cat "$WORK/resp.json" >&2; echo >&2; die "creating the secret answered $HTTP_STATUS"; }
  CLIENT_SECRET="$(json "$WORK/resp.json" 'd["value"]')"
  SCOPE=".default"
  CLIENT_KIND="dedicated Web client with $PERMISSION"
else
  log "no $PERMISSION in the catalog (GET /permissions answered $HTTP_STATUS); using the automation client"
  CLIENT_ID="$AUTO_ID"
  CLIENT_SECRET="$AUTO_SECRET"
  SCOPE="app.core.admin.manage"
  CLIENT_KIND="automation client (app.core.admin.manage)"
fi

# --- one request by hand: the endpoint must really issue tokens ---------------------------------------
sample_check() {
  local status
  status="$(curl -sS -o "$WORK/sample.json" -w '%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" \
    -d grant_type=client_credentials -d "scope=$SCOPE" "$TOKEN_URL")" || return 1
  [ "$status" = 200 ] || { printf 'token endpoint answered %s: %s\n' "$status" "$(cat "$WORK/sample.json")" >&2; return 1; }
  [ -n "$(json "$WORK/sample.json" 'd.get("access_token")')" ] || { echo "no access_token in the response" >&2; return 1; }
}
sample_check || die "the sample client-credentials request failed"
log "sample response OK: 200 with an access_token (scope: $(json "$WORK/sample.json" 'd.get("scope")'))"

export BENCH_BASIC BENCH_SCOPE BENCH_DELAY_MS="$DELAY_MS"
BENCH_BASIC="$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 | tr -d '\n')"
BENCH_SCOPE="$SCOPE"
LUA="$ROOT/bench/client_credentials.lua"

# --- let the build's load fade, then measure ---------------------------------------------------------
for _ in $(seq 1 "$SETTLE_SECS"); do
  awk '{exit !($1 < 1.0)}' /proc/loadavg && break
  sleep 1
done
LOAD_BEFORE_RUN="$(cut -d' ' -f1-3 /proc/loadavg)"
# CPU busy share over one second just before the run (other builds, other agents, ...).
cpu_times() { awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }
read -r T1 I1 < <(cpu_times); sleep 1; read -r T2 I2 < <(cpu_times)
CPU_BUSY_BEFORE_RUN="$(( (100 * ((T2 - T1) - (I2 - I1))) / (T2 - T1 > 0 ? T2 - T1 : 1) ))"
RSS_IDLE_KB="$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")"

# RSS sampler: VmRSS every 0.5 s over warm-up and run; the maximum is reported.
(
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || true
    sleep 0.5
  done
) >"$WORK/rss.log" &
SAMPLER_PID=$!

log "warming up for $WARMUP"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" -s "$LUA" "$TOKEN_URL" >"$WORK/warmup.txt" 2>&1 \
  || { cat "$WORK/warmup.txt" >&2; die "wrk failed during warm-up"; }

log "measuring: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
mkdir -p "$ROOT/bench/results"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 5s --latency -s "$LUA" "$TOKEN_URL" \
  >"$WORK/wrk.txt" 2>&1 || { cat "$WORK/wrk.txt" >&2; die "wrk failed"; }
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
cp "$WORK/wrk.txt" "$ROOT/bench/results/latest-wrk.txt"

kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 50 "$WORK/server.log" >&2; die "the server died during the run"; }
RSS_HWM_KB="$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")"
sample_check || die "the token endpoint stopped answering correctly after the run"

grep '^BENCH_JSON ' "$WORK/wrk.txt" | sed 's/^BENCH_JSON //' >"$WORK/wrk.json"
[ -s "$WORK/wrk.json" ] || { cat "$WORK/wrk.txt" >&2; die "wrk printed no summary"; }
RSS_MAX_KB="$(sort -n "$WORK/rss.log" | tail -n 1)"
RSS_MAX_KB="${RSS_MAX_KB:-0}"

# --- report ---------------------------------------------------------------------------------
export NPROC CPU_MODEL MEM_TOTAL_MB LOAD_AT_START LOAD_BEFORE_RUN KERNEL DURATION THREADS \
  CONNECTIONS WARMUP CPU_BUSY_BEFORE_RUN RSS_MAX_KB RSS_IDLE_KB RSS_HWM_KB TARGET_RPS TARGET_P99_MS TARGET_RSS_MB \
  CLIENT_KIND SCOPE TOKEN_URL RATE DELAY_MS
GIT_REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- crates 2>/dev/null || echo '+dirty')"
export GIT_REV
python3 - "$WORK/wrk.json" "$ROOT/bench/results/latest.json" <<'PY'
import json, os, sys, datetime

w = json.load(open(sys.argv[1]))
e = os.environ
secs = w["duration_us"] / 1e6
errors = w["errors_status"]
socket_errors = w["errors_connect"] + w["errors_read"] + w["errors_write"] + w["errors_timeout"]
ok = w["requests"] - errors
rps = ok / secs if secs else 0.0
p50 = w["latency_p50_us"] / 1000
p99 = w["latency_p99_us"] / 1000
rss_mb = int(e["RSS_MAX_KB"]) / 1024
checks = {
    "requests_per_sec": rps >= float(e["TARGET_RPS"]),
    "p99_ms": p99 < float(e["TARGET_P99_MS"]),
    "max_rss_mb": rss_mb < float(e["TARGET_RSS_MB"]),
    "no_errors": errors == 0 and socket_errors == 0,
}
verdict = "PASS" if all(checks.values()) else "FAIL"
result = {
    "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "git_rev": e["GIT_REV"],
    "verdict": verdict,
    "checks": checks,
    "targets": {"requests_per_sec": int(e["TARGET_RPS"]), "p99_ms": float(e["TARGET_P99_MS"]), "max_rss_mb": float(e["TARGET_RSS_MB"])},
    "results": {
        "requests_per_sec": round(rps, 1),
        "requests": w["requests"],
        "duration_s": round(secs, 2),
        "latency_ms": {k: round(w[f"latency_{k}_us"] / 1000, 3) for k in ("p50", "p90", "p99", "p999")} | {"mean": round(w["latency_mean_us"] / 1000, 3), "max": round(w["latency_max_us"] / 1000, 3)},
        "non_2xx": errors,
        "socket_errors": {k: w[f"errors_{k}"] for k in ("connect", "read", "write", "timeout")},
        "max_rss_mb": round(rss_mb, 1),
        "idle_rss_mb": round(int(e["RSS_IDLE_KB"] or 0) / 1024, 1),
        "peak_rss_hwm_mb": round(int(e["RSS_HWM_KB"] or 0) / 1024, 1),
    },
    "load": {"tool": "wrk", "threads": int(e["THREADS"]), "connections": int(e["CONNECTIONS"]), "duration": e["DURATION"], "warmup": e["WARMUP"],
             "mode": "paced" if e["RATE"] else "saturating", "offered_rate": int(e["RATE"]) if e["RATE"] else None, "pause_ms": int(e["DELAY_MS"]),
             "endpoint": e["TOKEN_URL"], "client": e["CLIENT_KIND"], "scope": e["SCOPE"], "database": "sqlite (fresh, temp dir)"},
    "machine": {"nproc": int(e["NPROC"]), "cpu_model": e["CPU_MODEL"], "mem_total_mb": int(e["MEM_TOTAL_MB"]), "kernel": e["KERNEL"],
                "loadavg_at_start": e["LOAD_AT_START"], "loadavg_before_run": e["LOAD_BEFORE_RUN"], "cpu_busy_pct_before_run": int(e["CPU_BUSY_BEFORE_RUN"])},
}
with open(sys.argv[2], "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")

mark = lambda ok: "PASS" if ok else "FAIL"
rows = [
    ("requests/s", f"{rps:,.0f}", f">= {int(e['TARGET_RPS']):,}", mark(checks["requests_per_sec"])),
    ("p50 latency", f"{p50:.2f} ms", "", ""),
    ("p99 latency", f"{p99:.2f} ms", f"< {e['TARGET_P99_MS']} ms", mark(checks["p99_ms"])),
    ("max RSS", f"{rss_mb:.1f} MB", f"< {e['TARGET_RSS_MB']} MB", mark(checks["max_rss_mb"])),
    ("errors (non-2xx)", f"{errors}", "0", mark(errors == 0)),
    ("socket errors", f"{socket_errors}", "0", mark(socket_errors == 0)),
]
print()
print(f"Tessera client-credentials benchmark ({e['GIT_REV']})")
print(f"  machine : {e['NPROC']} CPUs, {e['CPU_MODEL']}, {e['MEM_TOTAL_MB']} MB RAM, Linux {e['KERNEL']}")
print(f"  load avg: {e['LOAD_AT_START']} at start, {e['LOAD_BEFORE_RUN']} before the run; CPU {e['CPU_BUSY_BEFORE_RUN']}% busy in the second before")
mode = f"paced at ~{int(e['RATE']):,}/s ({e['DELAY_MS']} ms pause per connection)" if e["RATE"] else "saturating (closed loop)"
print(f"  load    : wrk -t{e['THREADS']} -c{e['CONNECTIONS']} -d{e['DURATION']} (after {e['WARMUP']} warm-up), same machine, {mode}")
print(f"  client  : {e['CLIENT_KIND']}, scope {e['SCOPE']}")
print()
print(f"  {'metric':<18} {'measured':>12}   {'target':<12} result")
print(f"  {'-'*18} {'-'*12}   {'-'*12} ------")
for name, value, target, res in rows:
    print(f"  {name:<18} {value:>12}   {target:<12} {res}")
print()
print(f"  {w['requests']:,} requests in {secs:.1f} s; p90 {w['latency_p90_us']/1000:.2f} ms, p99.9 {w['latency_p999_us']/1000:.2f} ms, max {w['latency_max_us']/1000:.2f} ms")
print(f"  RSS idle {int(e['RSS_IDLE_KB'] or 0)/1024:.1f} MB, kernel high-water mark {int(e['RSS_HWM_KB'] or 0)/1024:.1f} MB")
print()
print(f"{verdict}  (results in bench/results/latest.json; wrk's report in bench/results/latest-wrk.txt)")
PY

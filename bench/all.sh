#!/usr/bin/env bash
# Every throughput measure of issue 12 in one run, Tessera beside the certified oidc-provider
# (npm, in memory, ES256) where it has the feature. See bench/README.md ("All measures").
#
# Builds the release binary, computes the machine's limit for a token (openssl speed + a JWKS
# run), starts Tessera on a fresh SQLite database and oidc-provider, and measures, pausing the
# idle server with SIGSTOP so the two never share the cores: discovery, JWKS, client credentials,
# introspection (both); refresh-token rotation and the full authorization code flow (Tessera);
# client credentials again after the database has grown to BENCH_GROW_CLIENTS client applications
# and BENCH_GROW_USERS users; the start-up time on that grown database; client credentials on a
# fresh PostgreSQL database. Prints one table and writes bench/results/all.json.
#
# Knobs: BENCH_DURATION=8s BENCH_WARMUP=2s BENCH_CONNECTIONS=32 BENCH_THREADS=2
#        BENCH_GROW_CLIENTS=100000 BENCH_GROW_USERS=1000000 (0 skips the growth run)
#        BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 (server; a fresh database is made
#        and dropped) BENCH_SKIP_PG=1  BENCH_SKIP_PEER=1  BENCH_SKIP_BUILD=1  BENCH_KEEP=1
#        BENCH_BIN=path/to/tessera (default: $CARGO_TARGET_DIR or target/, release)
#        BENCH_PERF=1 records the token path with perf into bench/results/perf-client_credentials.txt;
#        BENCH_PERF=MEASURE (e.g. refresh_rotation) records that measure instead
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION="${BENCH_DURATION:-8s}"
WARMUP="${BENCH_WARMUP:-2s}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
GROW_CLIENTS="${BENCH_GROW_CLIENTS:-100000}"
GROW_USERS="${BENCH_GROW_USERS:-1000000}"
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
PARTITION=bench
PERMISSION=app.knowledge.portalmgr.read

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
for tool in wrk curl python3 openssl sqlite3; do need "$tool"; done
[ -z "${BENCH_PERF:-}" ] || need perf linux-perf

# --- build -------------------------------------------------------------------------------------
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/tessera}"
build_unless_skipped "$BIN"

WORK="$(mktemp -d -t tessera-bench-all.XXXXXX)"
RESULTS="$WORK/results.txt"   # measure|who|requests/s|p50 ms|p99 ms|non-2xx + socket errors|note
: >"$RESULTS"
PIDS=()
PG_DB=""
cleanup() {
  local status=$?
  for p in "${PIDS[@]}"; do
    kill -CONT "$p" 2>/dev/null || true
    kill -TERM "$p" 2>/dev/null || true
  done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  if [ -n "$PG_DB" ]; then
    psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ "${BENCH_KEEP:-}" = "1" ] || [ "$status" -ne 0 ]; then
    printf 'bench: kept %s\n' "$WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# --- machine conditions and the limit ------------------------------------------------------------
NPROC="$(nproc)"
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "openssl speed ecdsap256 (one core)"
SPEED="$(openssl speed -seconds 2 ecdsap256 2>/dev/null | grep 'ecdsa (nistp256)' || true)"
SIGNS="$(awk '{print $(NF-1)}' <<<"$SPEED")"
VERIFIES="$(awk '{print $NF}' <<<"$SPEED")"
[ -n "$SIGNS" ] && [ -n "$VERIFIES" ] || die "openssl speed printed no ecdsap256 figures"
log "openssl speed rsa2048 (one core)"
RSA_SIGNS="$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1)}')"
[ -n "$RSA_SIGNS" ] || die "openssl speed printed no rsa2048 figure"

# --- Tessera on SQLite ---------------------------------------------------------------------------
# init_db NAME DB_URL PUBLIC_URL: `tessera init`, leaving $WORK/NAME-init.json.
init_db() {
  printf 'bench-admin-%s\n' "$RANDOM$RANDOM$RANDOM" >"$WORK/$1-password"
  "$BIN" init --database-url "$2" --public-url "$3" --partition "$PARTITION" \
    --admin-username benchadmin --admin-password-file "$WORK/$1-password" --json \
    >"$WORK/$1-init.json" 2>"$WORK/$1-init.log" || { cat "$WORK/$1-init.log" >&2; die "tessera init ($1) failed"; }
}
# serve NAME DB_URL PORT: starts the server; sets SERVER_PID and STARTUP_MS (spawn to /readyz).
serve() {
  local t0 t1
  t0="$(date +%s%N)"
  # One client drives each measure far past the per-client limit's default (6000 a minute): the
  # limit stays on, so its cost is measured, but high enough never to refuse (a refused refresh
  # would also drain refresh.lua's token pool).
  TESSERA_CLIENTS__TOKEN_REQUESTS_PER_MINUTE=1000000000 \
    "$BIN" serve --database-url "$2" --listen "127.0.0.1:$3" --public-url "http://127.0.0.1:$3" \
    >>"$WORK/$1-server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 1000); do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/$1-server.log" >&2; die "$1: the server exited during start-up"; }
    curl -fsS -o /dev/null "http://127.0.0.1:$3/readyz" 2>/dev/null && break
    sleep 0.01
  done
  t1="$(date +%s%N)"
  STARTUP_MS=$(( (t1 - t0) / 1000000 ))
  curl -fsS -o /dev/null "http://127.0.0.1:$3/readyz" || die "$1: not ready within 10 s"
}
stop() {
  kill -CONT "$1" 2>/dev/null || true
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
}
# client NAME PUBLIC_URL: registers Web client bench-web with $PERMISSION and a secret; sets
# ISSUER CLIENT_ID CLIENT_SECRET ACCESS_TOKEN.
client() {
  local public=$2 admin token_url status
  ISSUER="$(json "$WORK/$1-init.json" 'd["user_issuer"]')"
  token_url="$ISSUER/oauth2/token"
  admin="$public/admin/api/v1/partitions/$PARTITION"
  status="$(curl -sS -o "$WORK/r.json" -w '%{http_code}' \
    -u "$(json "$WORK/$1-init.json" 'd["automation_client_id"]'):$(json "$WORK/$1-init.json" 'd["automation_client_secret"]')" \
    -d grant_type=client_credentials -d scope=app.core.admin.manage "$token_url")"
  [ "$status" = 200 ] || die "$1: admin token: $status $(cat "$WORK/r.json")"
  local at
  at="$(json "$WORK/r.json" 'd["access_token"]')"
  api() {
    curl -sS -o "$WORK/r.json" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $at" \
      -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$admin$2"
  }
  status="$(api POST /client-applications '{"name":"bench-web","platform":"web","resource_type":"global","redirect_urls":["http://127.0.0.1:9/cb"],"post_logout_redirect_urls":[],"obo_enabled":false,"token_exchange_enabled":false,"access_token_ttl":3600}')"
  [ "$status" = 201 ] || die "$1: creating the client: $status $(cat "$WORK/r.json")"
  CLIENT_ID="$(json "$WORK/r.json" 'd["client_id"]')"
  status="$(api PUT "/client-applications/$CLIENT_ID/permissions" "{\"permissions\":[\"$PERMISSION\"]}")"
  [ "$status" = 200 ] || die "$1: assigning $PERMISSION: $status $(cat "$WORK/r.json")"
  status="$(api POST "/client-applications/$CLIENT_ID/secrets" '{"name":"bench","expires_in_days":30}')"
  [ "$status" = 201 ] || die "$1: creating the secret: $status $(cat "$WORK/r.json")"
  CLIENT_SECRET="$(json "$WORK/r.json" 'd["value"]')"
  # Up to ten client applications, the small end of the growth comparison.
  for i in $(seq 1 7); do
    api POST /client-applications "{\"name\":\"small $i\",\"platform\":\"web\",\"resource_type\":\"global\",\"redirect_urls\":[\"https://app.example/cb\"],\"post_logout_redirect_urls\":[],\"obo_enabled\":false,\"token_exchange_enabled\":false,\"access_token_ttl\":3600}" >/dev/null
  done
  status="$(curl -sS -o "$WORK/r.json" -w '%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" \
    -d grant_type=client_credentials -d scope=.default "$token_url")"
  [ "$status" = 200 ] || die "$1: sample token request: $status $(cat "$WORK/r.json")"
  ACCESS_TOKEN="$(json "$WORK/r.json" 'd["access_token"]')"
}

# measure MEASURE WHO URL [LUA]: warm-up, then the measured wrk run with BENCH_* already
# exported; appends a row to $RESULTS.
measure() {
  local lua="${4:-$ROOT/bench/request.lua}" out="$WORK/wrk-$1-$2.txt"
  log "$1 / $2: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $3"
  # No warm-up for refresh rotation: it would spend the collected refresh tokens, and the
  # measured run presenting them again is token reuse, which revokes each whole sign-in
  # (RFC 9700 §4.14.2) — every request after that is an error, not a rotation.
  if [ "${1#refresh_rotation}" = "$1" ]; then
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" -s "$lua" "$3" >/dev/null 2>&1 || true
  fi
  local perf_pid=""
  local profiled="${BENCH_PERF:-}"
  [ "$profiled" = "1" ] && profiled=client_credentials
  if [ -n "$profiled" ] && [ "$1/$2" = "$profiled/tessera" ] && command -v perf >/dev/null 2>&1; then
    # That measure's profile (Debian: linux-perf), over the measured run.
    perf record -q -F 499 -g -p "$TPID" -o "$WORK/perf.data" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 5s --latency -s "$lua" "$3" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed ($1 / $2)"; }
  if [ -n "$perf_pid" ]; then
    wait "$perf_pid" || true
    mkdir -p "$ROOT/bench/results"
    perf report -i "$WORK/perf.data" --no-children --stdio --percent-limit 1 --sort dso,symbol -g none \
      >"$ROOT/bench/results/perf-$1.txt" 2>/dev/null || true
    perf report -i "$WORK/perf.data" --children --stdio --percent-limit 2 --sort symbol -g none \
      >"$ROOT/bench/results/perf-$1-children.txt" 2>/dev/null || true
    log "$1 profile in bench/results/perf-$1.txt (self) and perf-$1-children.txt (inclusive)"
  fi
  python3 - "$out" "$1" "$2" "${5:-}" >>"$RESULTS" <<'PY'
import json, sys
line = next(l for l in open(sys.argv[1]) if l.startswith("BENCH_JSON "))
w = json.loads(line[len("BENCH_JSON "):])
secs = w["duration_us"] / 1e6
bad = w["errors_status"]
sock = w["errors_connect"] + w["errors_read"] + w["errors_write"] + w["errors_timeout"]
print(f'{sys.argv[2]}|{sys.argv[3]}|{(w["requests"] - bad) / secs:.0f}|{w["latency_p50_us"] / 1000:.2f}|{w["latency_p99_us"] / 1000:.2f}|{bad + sock}|{sys.argv[4]}')
PY
}
row() { printf '%s\n' "$*" >>"$RESULTS"; }

TPORT="$(free_port 18180)"
TPUBLIC="http://127.0.0.1:$TPORT"
DB="$WORK/bench.db"
log "Tessera on SQLite at $TPUBLIC"
init_db sqlite "sqlite://$DB" "$TPUBLIC"
serve sqlite "sqlite://$DB" "$TPORT"
TPID="$SERVER_PID"
client sqlite "$TPUBLIC"
T_ISSUER="$ISSUER" T_ID="$CLIENT_ID" T_SECRET="$CLIENT_SECRET" T_AT="$ACCESS_TOKEN"
T_BASIC="$(printf '%s:%s' "$T_ID" "$T_SECRET" | base64 -w0)"
RSS_IDLE_KB="$(awk '/VmRSS/ {print $2}' "/proc/$TPID/status")"

# --- the peer ----------------------------------------------------------------------------------
PPID_=""
if [ "${BENCH_SKIP_PEER:-}" != "1" ] && command -v node >/dev/null 2>&1; then
  MODULE="$ROOT/e2e/oidc-provider/node_modules/oidc-provider/lib/index.js"
  if [ ! -f "$MODULE" ]; then
    log "installing oidc-provider (npm ci in e2e/oidc-provider)"
    (cd "$ROOT/e2e/oidc-provider" && npm ci --no-audit --no-fund >/dev/null 2>&1) || log "npm ci failed; no peer"
  fi
  if [ -f "$MODULE" ]; then
    PPORT="$(free_port $((TPORT + 1)))"
    PORT="$PPORT" OIDC_PROVIDER_MODULE="$MODULE" node "$ROOT/bench/oidc_provider_peer.mjs" >"$WORK/peer.log" 2>&1 &
    PPID_=$!
    PIDS+=("$PPID_")
    for _ in $(seq 1 100); do grep -q '^listening ' "$WORK/peer.log" && break; sleep 0.1; done
    grep -q '^listening ' "$WORK/peer.log" || die "oidc-provider did not start: $(cat "$WORK/peer.log")"
    PEER="$(sed -n 's/^listening //p' "$WORK/peer.log")"
    P_BASIC="$(printf 'bench:bench-secret' | base64 -w0)"
    P_OPAQUE="$(curl -fsS -u bench:bench-secret -d grant_type=client_credentials -d scope=api:read \
      -d resource=urn:bench:opaque "$PEER/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
    PEER_VERSION="$(node -p "require('$ROOT/e2e/oidc-provider/node_modules/oidc-provider/package.json').version")"
  fi
fi

# Runs "$@" against Tessera with the peer paused, or the other way round.
tessera_only() { [ -n "$PPID_" ] && kill -STOP "$PPID_"; "$@"; [ -n "$PPID_" ] && kill -CONT "$PPID_"; return 0; }
peer_only() { kill -STOP "$TPID"; "$@"; kill -CONT "$TPID"; }

# --- the measures ------------------------------------------------------------------------------
# RSS sampler over the whole run.
( while kill -0 "$TPID" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$TPID/status" 2>/dev/null || true; sleep 0.5; done ) >"$WORK/rss.log" &
PIDS+=("$!")

export BENCH_METHOD=GET BENCH_BODY="" BENCH_BASIC=""
tessera_only measure jwks tessera "$T_ISSUER/oauth2/keys"
[ -n "$PPID_" ] && peer_only measure jwks peer "$PEER/jwks"
tessera_only measure discovery tessera "$T_ISSUER/.well-known/openid-configuration"
[ -n "$PPID_" ] && peer_only measure discovery peer "$PEER/.well-known/openid-configuration"

export BENCH_METHOD=POST BENCH_BODY="grant_type=client_credentials&scope=.default" BENCH_BASIC="$T_BASIC"
tessera_only measure client_credentials tessera "$T_ISSUER/oauth2/token"
if [ -n "$PPID_" ]; then
  export BENCH_BODY="grant_type=client_credentials&scope=api:read" BENCH_BASIC="$P_BASIC"
  peer_only measure client_credentials peer "$PEER/token"
fi

export BENCH_BODY="token=$T_AT" BENCH_BASIC="$T_BASIC"
tessera_only measure introspection tessera "$T_ISSUER/oauth2/introspect"
if [ -n "$PPID_" ]; then
  export BENCH_BODY="token=$P_OPAQUE" BENCH_BASIC="$P_BASIC"
  peer_only measure introspection peer "$PEER/token/introspection" "" "opaque token"
fi

# Authorization code flow and refresh rotation: Tessera only (the peer's interactive login is
# its own UI, not an equivalent of Tessera's login page).
export AC_ISSUER="$T_ISSUER" AC_CLIENT_ID="$T_ID" AC_SECRET="$T_SECRET" AC_REDIRECT="http://127.0.0.1:9/cb" \
  AC_USERNAME=benchadmin AC_PASSWORD="$(cat "$WORK/sqlite-password")"
[ -n "$PPID_" ] && kill -STOP "$PPID_"
log "collecting $((CONNECTIONS + 16)) refresh tokens through the authorization code flow"
AC_WORKERS=2 python3 "$ROOT/bench/authcode.py" tokens $((CONNECTIONS + 16)) "$WORK/refresh-tokens.txt"
export BENCH_TOKENS_FILE="$WORK/refresh-tokens.txt" BENCH_THREADS="$THREADS" BENCH_BASIC="$T_BASIC"
measure refresh_rotation tessera "$T_ISSUER/oauth2/token" "$ROOT/bench/refresh.lua"
log "authorization code flow (authorize + login + code exchange), 4 client processes"
AC_WORKERS=4 python3 "$ROOT/bench/authcode.py" rate "${DURATION%s}" >"$WORK/authcode.json"
row "authorization_code_flow|tessera|$(json "$WORK/authcode.json" 'round(d["per_s"])')|||0|per flow: authorize $(json "$WORK/authcode.json" 'd["authorize_ms"]') ms, login $(json "$WORK/authcode.json" 'd["login_ms"]') ms, token $(json "$WORK/authcode.json" 'd["token_ms"]') ms (Python client, 4 processes)"
[ -n "$PPID_" ] && kill -CONT "$PPID_"
RSS_MAX_KB="$(sort -n "$WORK/rss.log" | tail -1)"

# --- growth: the same token run on a database with many clients and users ----------------------
if [ "$GROW_CLIENTS" -gt 0 ] || [ "$GROW_USERS" -gt 0 ]; then
  log "growing the database: $GROW_CLIENTS client applications, $GROW_USERS users (SQL through the schema)"
  t0="$(date +%s)"
  python3 "$ROOT/bench/grow.py" "$DB" "$PARTITION" "$GROW_CLIENTS" "$GROW_USERS"
  GROW_SECS=$(( $(date +%s) - t0 ))
  sleep 1.2   # the caches' lifetime (crate::cache::TTL), so every view is reloaded from the grown tables
  export BENCH_METHOD=POST BENCH_BODY="grant_type=client_credentials&scope=.default" BENCH_BASIC="$T_BASIC"
  tessera_only measure client_credentials_grown tessera "$T_ISSUER/oauth2/token" "" "$GROW_CLIENTS more clients, $GROW_USERS users (inserted in ${GROW_SECS}s)"
fi
stop "$TPID"
serve sqlite "sqlite://$DB" "$TPORT"
TPID="$SERVER_PID"
row "startup_ms|tessera|$STARTUP_MS|||0|spawn to /readyz on the existing database"
stop "$TPID"

# --- PostgreSQL -------------------------------------------------------------------------------
if [ "${BENCH_SKIP_PG:-}" != "1" ] && command -v psql >/dev/null 2>&1 && psql "$PG_SERVER/postgres" -qAtc 'select 1' >/dev/null 2>&1; then
  PG_DB="tessera_bench_$$"
  # Instances sharing a PostgreSQL database share one master key (the server insists).
  head -c32 /dev/urandom | basenc --base64url | tr -d '=\n' >"$WORK/master.key"
  export TESSERA_MASTER_KEY_FILE="$WORK/master.key"
  psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
  GPORT="$(free_port $((TPORT + 2)))"
  log "Tessera on PostgreSQL ($PG_SERVER/$PG_DB) at port $GPORT"
  init_db pg "$PG_SERVER/$PG_DB" "http://127.0.0.1:$GPORT"
  serve pg "$PG_SERVER/$PG_DB" "$GPORT"
  GPID="$SERVER_PID"
  client pg "http://127.0.0.1:$GPORT"
  export BENCH_METHOD=POST BENCH_BODY="grant_type=client_credentials&scope=.default"
  BENCH_BASIC="$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
  export BENCH_BASIC
  [ -n "$PPID_" ] && kill -STOP "$PPID_"
  PG_VERSION="PostgreSQL $(psql "$PG_SERVER/postgres" -qAtc 'show server_version' | cut -d' ' -f1)"
  measure client_credentials_pg tessera "$ISSUER/oauth2/token" "" "$PG_VERSION"
  export AC_ISSUER="$ISSUER" AC_CLIENT_ID="$CLIENT_ID" AC_SECRET="$CLIENT_SECRET" AC_PASSWORD="$(cat "$WORK/pg-password")"
  log "collecting $((CONNECTIONS + 16)) refresh tokens on PostgreSQL"
  AC_WORKERS=2 python3 "$ROOT/bench/authcode.py" tokens $((CONNECTIONS + 16)) "$WORK/refresh-tokens-pg.txt"
  export BENCH_TOKENS_FILE="$WORK/refresh-tokens-pg.txt"
  measure refresh_rotation_pg tessera "$ISSUER/oauth2/token" "$ROOT/bench/refresh.lua" "$PG_VERSION"
  [ -n "$PPID_" ] && kill -CONT "$PPID_"
  stop "$GPID"
fi

# --- the table ---------------------------------------------------------------------------------
LOAD_AT_END="$(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$ROOT/bench/results"
GIT_REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- crates 2>/dev/null || echo '+dirty')"
export NPROC CPU_MODEL LOAD_AT_START LOAD_AT_END SIGNS VERIFIES RSA_SIGNS RSS_IDLE_KB RSS_MAX_KB GIT_REV DURATION CONNECTIONS THREADS \
  PEER_VERSION="${PEER_VERSION:-}"
python3 - "$RESULTS" "$ROOT/bench/results/all.json" <<'PY'
import json, os, sys
e = os.environ
rows = {}
for line in open(sys.argv[1]):
    m, who, rps, p50, p99, bad, note = line.rstrip("\n").split("|")
    rows.setdefault(m, {})[who] = {"rps": float(rps), "p50": p50, "p99": p99, "errors": int(bad or 0), "note": note}
n = int(e["NPROC"]); signs = float(e["SIGNS"]); verifies = float(e["VERIFIES"]); rsa_signs = float(e["RSA_SIGNS"])
jwks = rows.get("jwks", {}).get("tessera", {}).get("rps", 0)
# A token costs one ES256 signature (1/signs of one core) plus one HTTP round trip (the JWKS
# run's cost per response, all cores): the machine's limit for tokens.
limit = 1 / (1 / (n * signs) + 1 / jwks) if jwks else 0
# Introspecting a JWT costs one ES256 verification (slower than signing) and the round trip.
limit_introspection = 1 / (1 / (n * verifies) + 1 / jwks) if jwks else 0
# A refresh (scope openid) returns a new ES256 access token and a new ID token, signed RS256:
# the OpenID Connect default a client gets unless it registers another algorithm.
limit_refresh = 1 / (1 / (n * signs) + 1 / (n * rsa_signs) + 1 / jwks) if jwks else 0
targets = {"jwks": 110000, "discovery": 110000, "client_credentials": 50000, "introspection": 40000,
           "refresh_rotation": 10000, "authorization_code_flow": 1500}
print()
print(f"Tessera beside oidc-provider {e['PEER_VERSION'] or '(not run)'} — {e['GIT_REV']}")
print(f"  machine : {n} CPUs, {e['CPU_MODEL']}; load avg {e['LOAD_AT_START']} at start, {e['LOAD_AT_END']} at end")
print(f"  load    : wrk -t{e['THREADS']} -c{e['CONNECTIONS']} -d{e['DURATION']} on the same machine; the idle server SIGSTOPped")
print(f"  limit   : openssl speed ecdsap256 {signs:,.0f} signs/s/core, JWKS {jwks:,.0f}/s -> {limit:,.0f} tokens/s")
print(f"            openssl speed ecdsap256 {verifies:,.0f} verifies/s/core -> {limit_introspection:,.0f} introspections/s")
print(f"            openssl speed rsa2048 {rsa_signs:,.0f} signs/s/core -> {limit_refresh:,.0f} refresh rotations/s (ES256 + RS256 ID token)")
print()
print(f"  {'measure':<26} {'Tessera/s':>10} {'p99 ms':>7} {'peer/s':>9} {'ratio':>6} {'% limit':>8} {'target':>8}  note")
out = []
for m, who in rows.items():
    t = who.get("tessera"); p = who.get("peer")
    if t is None:
        continue
    ratio = f"{t['rps'] / p['rps']:.2f}" if p and p["rps"] else ""
    pct = (f"{100 * t['rps'] / limit:.0f}%" if m.startswith("client_credentials") and limit
           else f"{100 * t['rps'] / limit_introspection:.0f}%" if m == "introspection" and limit_introspection
           else f"{100 * t['rps'] / limit_refresh:.0f}%" if m.startswith("refresh_rotation") and limit_refresh
           else "")
    target = f"{targets[m]:,}" if m in targets else ""
    note = t["note"] + (f" [{t['errors']} errors]" if t["errors"] else "")
    if m == "startup_ms":
        print(f"  {'start-up (ms)':<26} {t['rps']:>10,.0f} {'':>7} {'':>9} {'':>6} {'':>8} {'200':>8}  {note}")
    else:
        peer = f"{p['rps']:,.0f}" if p else ""
        print(f"  {m:<26} {t['rps']:>10,.0f} {t['p99']:>7} {peer:>9} {ratio:>6} {pct:>8} {target!s:>8}  {note}")
    out.append({"measure": m, "tessera": t, "peer": p})
cc, grown, pg = (rows.get(k, {}).get("tessera") for k in ("client_credentials", "client_credentials_grown", "client_credentials_pg"))
if cc and grown:
    print(f"  growth: {100 * grown['rps'] / cc['rps']:.0f}% of the small database's token rate (target >= 90%)")
if cc and pg:
    print(f"  PostgreSQL: {100 * pg['rps'] / cc['rps']:.0f}% of SQLite's token rate (target >= 60%)")
rr, rr_pg = (rows.get(k, {}).get("tessera") for k in ("refresh_rotation", "refresh_rotation_pg"))
if rr and rr_pg:
    print(f"  PostgreSQL: {100 * rr_pg['rps'] / rr['rps']:.0f}% of SQLite's refresh rotation rate")
print(f"  RSS: idle {int(e['RSS_IDLE_KB'] or 0) / 1024:.1f} MB, max under load {int(e['RSS_MAX_KB'] or 0) / 1024:.1f} MB (targets 20 / 50 MB)")
json.dump({"git_rev": e["GIT_REV"], "limit_tokens_per_s": round(limit), "openssl_signs_per_s": signs,
           "limit_introspections_per_s": round(limit_introspection), "openssl_verifies_per_s": verifies,
           "limit_refresh_rotations_per_s": round(limit_refresh), "openssl_rsa2048_signs_per_s": rsa_signs,
           "loadavg": [e["LOAD_AT_START"], e["LOAD_AT_END"]], "rows": out,
           "rss_idle_mb": int(e["RSS_IDLE_KB"] or 0) / 1024, "rss_max_mb": int(e["RSS_MAX_KB"] or 0) / 1024},
          open(sys.argv[2], "w"), indent=2)
PY

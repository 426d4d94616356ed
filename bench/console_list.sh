#!/usr/bin/env bash
# The console's client application list at scale (issue 10: a page under 50 ms of server time
# with 1,000 client applications). See bench/README.md.
#
# Starts Tessera on a fresh SQLite database (or BENCH_DATABASE_URL, e.g. a PostgreSQL URL plus
# BENCH_MASTER_KEY_FILE), registers BENCH_APPS client applications through the admin API, signs
# in to the console as the Partition Administrator with curl (authorization code + PKCE through
# the login page, as a browser would), then times the list's first page, a later page and a name
# search, each BENCH_REQUESTS times, with the session cookie:
#   - "server" is curl's time_starttransfer - time_pretransfer: from the request sent to the
#     first byte back, i.e. the server's time plus one loopback round trip;
#   - "total" is curl's time_total.
# With `oha` on the PATH it also runs oha for BENCH_OHA_SECS seconds against each address.
#
# Knobs: BENCH_APPS=1000 BENCH_REQUESTS=200 BENCH_OHA_SECS=10 BENCH_PORT=18090
#        BENCH_SKIP_BUILD=1 (use target/$BENCH_PROFILE/tessera as is) BENCH_KEEP=1 (keep the temp dir)
#        BENCH_PROFILE=release (or debug: an unoptimised build, slower than what is shipped)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
APPS="${BENCH_APPS:-1000}"
REQUESTS="${BENCH_REQUESTS:-200}"
OHA_SECS="${BENCH_OHA_SECS:-10}"
PORT="${BENCH_PORT:-18090}"
PARTITION=bench
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
need curl
need python3

PROFILE="${BENCH_PROFILE:-release}"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/tessera"
# Cargo's dev profile builds into target/debug.
build_unless_skipped "$BIN" "$([ "$PROFILE" = debug ] && echo dev || echo "$PROFILE")"

WORK="$(mktemp -d -t tessera-console-bench.XXXXXX)"
SERVER_PID=""
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-}" = "1" ] || [ "$status" -ne 0 ]; then
    printf 'bench: kept %s\n' "$WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
PORT="$(free_port "$PORT")"
PUBLIC_URL="http://127.0.0.1:$PORT"
DB_URL="${BENCH_DATABASE_URL:-sqlite://$WORK/bench.db}"
KEY_ARGS=()
[ -n "${BENCH_MASTER_KEY_FILE:-}" ] && KEY_ARGS=(--master-key-file "$BENCH_MASTER_KEY_FILE")

printf 'bench-admin-%s\n' "$RANDOM$RANDOM$RANDOM" >"$WORK/admin-password"
"$BIN" init --database-url "$DB_URL" "${KEY_ARGS[@]}" --public-url "$PUBLIC_URL" \
  --partition "$PARTITION" --admin-username benchadmin \
  --admin-password-file "$WORK/admin-password" --json >"$WORK/init.json" 2>"$WORK/init.log" \
  || { cat "$WORK/init.log" >&2; die "tessera init failed"; }
AUTO_ID="$(json "$WORK/init.json" 'd["automation_client_id"]')"
AUTO_SECRET="$(json "$WORK/init.json" 'd["automation_client_secret"]')"
ISSUER="$(json "$WORK/init.json" 'd["user_issuer"]')"
"$BIN" serve --database-url "$DB_URL" "${KEY_ARGS[@]}" --listen "127.0.0.1:$PORT" \
  --public-url "$PUBLIC_URL" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$PUBLIC_URL/readyz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
  sleep 0.1
done

# --- 1,000 client applications through the admin API, 8 at a time --------------------------------
ADMIN_TOKEN="$(curl -fsS -u "$AUTO_ID:$AUTO_SECRET" -d grant_type=client_credentials \
  -d scope=app.core.admin.manage "$ISSUER/oauth2/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
log "registering $APPS client applications"
t0=$(date +%s.%N)
seq 1 "$APPS" | xargs -P 8 -I{} curl -fsS -o /dev/null \
  -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  --data-binary '{"name":"Bench app {}","platform":"web","redirect_urls":["https://app.example/cb/{}"]}' \
  "$PUBLIC_URL/admin/api/v1/partitions/$PARTITION/client-applications"
log "registered in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"

# --- sign in to the console with curl ---------------------------------------------------------------
JAR="$WORK/jar.txt"
LIST="$PUBLIC_URL/admin/$PARTITION/client-applications"
PAGE="$(curl -fsS -L -c "$JAR" -b "$JAR" "$LIST")"   # → the users realm's login page
field() { printf %s "$PAGE" | sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -1 | sed 's/&amp;/\&/g'; }
curl -fsS -L -c "$JAR" -b "$JAR" -o "$WORK/after-login.html" \
  --data-urlencode "request=$(field request)" --data-urlencode "csrf=$(field csrf)" \
  --data-urlencode username=benchadmin --data-urlencode "password=$(cat "$WORK/admin-password")" \
  "$ISSUER/oauth2/login"
# The callback answers a "Signed in" page that refreshes to the page first asked for.
curl -fsS -b "$JAR" -o "$WORK/list.html" "$LIST"
grep -q "Bench app" "$WORK/list.html" || die "signing in to the console did not reach the list (see $WORK/after-login.html, $WORK/list.html)"
COOKIE="$(awk '$6 ~ /console/ {print $6"="$7}' "$JAR" | paste -sd';' -)"
[ -n "$COOKIE" ] || die "no console session cookie in $JAR"

# --- timings ----------------------------------------------------------------------------------------
summary() { # stdin: one time in seconds a line → "p50 p95 p99 max" in ms
  python3 -c '
import sys
v = sorted(float(x) * 1000 for x in sys.stdin if x.strip())
q = lambda p: v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
print(f"{q(.5):7.2f} {q(.95):7.2f} {q(.99):7.2f} {v[-1]:7.2f}  (n={len(v)})")'
}
measure() { # name url
  local name="$1" url="$2" out="$WORK/times-$1.txt"
  curl -fsS -o /dev/null -b "$JAR" "$url"   # warm
  : >"$out"
  for _ in $(seq 1 "$REQUESTS"); do
    curl -fsS -o /dev/null -b "$JAR" -w '%{time_pretransfer} %{time_starttransfer} %{time_total}\n' "$url" >>"$out"
  done
  printf '  %-16s server ms p50/p95/p99/max %s\n' "$name" "$(awk '{print $2-$1}' "$out" | summary)"
  printf '  %-16s total  ms p50/p95/p99/max %s\n' "" "$(awk '{print $3}' "$out" | summary)"
  if command -v oha >/dev/null 2>&1; then
    oha -z "${OHA_SECS}s" -c 4 --no-tui -H "Cookie: $COOKIE" "$url" | sed -n '/Summary/,/Response time distribution/p;/Status code distribution/,+3p' | sed 's/^/    /'
  fi
}
echo
echo "Console client application list, $APPS applications, $PROFILE build ($(nproc) CPUs; $(cut -d' ' -f1-3 /proc/loadavg) load)"
measure first-page "$LIST"
measure page-20 "$LIST?page=20"
measure search "$LIST?q=app+99"
measure search-none "$LIST?q=no-such-app"

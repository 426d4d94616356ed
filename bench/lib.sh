# Shared by bench/run.sh and bench/all.sh: logging, installing what a run needs, JSON reading and
# free loopback ports. Sourced, not run.

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# apt_install PACKAGE: installs a Debian package, refreshing the package lists only when the
# first try fails.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "$1 is missing and there is no apt-get; install it by hand"
  log "installing $1 (apt-get)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null; then
    as_root apt-get update -q >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null
  fi
}

# need COMMAND [PACKAGE]: installs PACKAGE (default: COMMAND) when COMMAND is missing.
need() { command -v "$1" >/dev/null 2>&1 || apt_install "${2:-$1}"; }

# json FILE EXPR: evaluates a Python expression over the parsed JSON document `d`.
json() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print(r if r is not None else "")' "$1" "$2"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port FROM: the first port from FROM on that nothing listens on.
free_port() {
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

# build_unless_skipped BIN [PROFILE]: builds the tessera binary (cargo profile PROFILE, release
# by default) unless BENCH_SKIP_BUILD=1 and BIN exists, then checks that BIN is there.
build_unless_skipped() {
  local bin=$1 profile=${2:-release}
  if [ "${BENCH_SKIP_BUILD:-}" = "1" ] && [ -x "$bin" ]; then
    log "using existing $bin (BENCH_SKIP_BUILD=1)"
  else
    log "building the $profile binary (cargo build --profile $profile -p tessera-server)"
    cargo build --profile "$profile" -p tessera-server
  fi
  [ -x "$bin" ] || die "$bin was not built"
}

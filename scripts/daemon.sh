#!/usr/bin/env bash
# Run a process in the background, supervised (scripts/supervise.sh restarts it if it dies), with a pid file
# and log under .data/run (PORTMAP_RUN moves it); wait for an HTTP URL.
#   daemon.sh restart NAME CMD...   daemon.sh stop NAME...   daemon.sh wait-http URL [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${PORTMAP_RUN:-.data/run}
mkdir -p "$RUN"

stop() {
  local pidf=$RUN/$1.pid
  if [ -f "$pidf" ]; then
    local pid; pid=$(cat "$pidf")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true      # the supervisor stops its process, then itself
      for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 -- "-$pid" 2>/dev/null || true   # its process group: whatever is left
    fi
    rm -f "$pidf"
  fi
}

case "${1:-}" in
  restart)
    name=$2; shift 2
    stop "$name"
    setsid nohup bash scripts/supervise.sh "$name" "$@" >"$RUN/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid" ;;
  stop)   # several names stop in parallel
    shift
    for name in "$@"; do stop "$name" & done
    wait ;;
  wait-http)
    url=$2; limit=${3:-30}
    for _ in $(seq $((limit * 10))); do
      if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$url" \
        2>/dev/null; then exit 0; fi
      sleep 0.1
    done
    echo "daemon: $url did not answer within ${limit}s; see $RUN/*.log" >&2
    exit 1 ;;
  *) echo "usage: $0 restart NAME CMD... | stop NAME | wait-http URL [SECONDS]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Keep one process running: restart it when it dies (a crash, an OOM kill, kill -9) with a backoff
# that resets once it has stayed up for a minute; stop it (and stop) on SIGTERM or SIGINT.
# A clean exit (status 0) ends supervision: the process finished its work.
#   supervise.sh NAME CMD...        (scripts/daemon.sh runs every process of make demo under it)
set -uo pipefail
name=$1; shift
child=""
stopping=""
on_stop() {
  stopping=1
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null
    (sleep 10; kill -KILL "$child" 2>/dev/null) &     # a process that ignores TERM gets 10 s
    wait "$child"
  fi
  exit 0
}
trap on_stop TERM INT
delay=1
while :; do
  started=$(date +%s)
  "$@" &
  child=$!
  wait "$child"
  rc=$?
  [ -n "$stopping" ] && exit 0
  [ "$rc" -eq 0 ] && { echo "supervise: $name finished"; exit 0; }
  if [ $(( $(date +%s) - started )) -ge 60 ]; then delay=1; fi
  echo "supervise: $name (pid $child) exited with status $rc at $(date -u +%FT%TZ); restarting in ${delay}s" >&2
  sleep "$delay" & wait $!
  delay=$(( delay * 2 > 30 ? 30 : delay * 2 ))
done

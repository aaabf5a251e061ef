#!/usr/bin/env bash
# Start/stop the private PostgreSQL (PostGIS) cluster and MQTT broker under .data/ (unless DATABASE_URL is set).
#   scripts/services.sh start|stop|status|pg-start|pg-stop|mqtt-start|mqtt-stop
# PORTMAP_DATA moves .data elsewhere (the fault tests run a stack of their own).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=${PORTMAP_PG_PORT:-55432}
MQTT_PORT=${PORTMAP_MQTT_PORT:-51883}
DB_NAME=${PORTMAP_DB_NAME:-portmap}
DATA=${PORTMAP_DATA:-$ROOT/.data}
PGDATA=$DATA/pg

die() { echo "services: $*" >&2; exit 1; }
as_pg() { (cd / && runuser -u postgres -- "$@"); }   # from / : postgres may not reach the checkout

pg_dir() {
  # initdb refuses root, so the cluster belongs to `postgres`. If that user cannot reach .data
  # (a checkout under /root, say), keep the cluster in postgres' home and link it here.
  mkdir -p "$DATA"
  if [ -e "$PGDATA" ]; then return; fi
  if as_pg test -x "$DATA"; then
    mkdir -p "$PGDATA"
  else
    local alt
    alt=/var/lib/postgresql/portmap-$(echo "$ROOT" | sha1sum | cut -c1-12)
    mkdir -p "$alt" && ln -s "$alt" "$PGDATA"
  fi
  chown postgres:postgres "$PGDATA/"
  chmod 700 "$PGDATA/"
}

pg_real() { readlink -f "$PGDATA"; }   # the cluster's own path, which postgres can reach

pg_start() {
  pg_dir
  local real
  real=$(pg_real)
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    as_pg "$PG_BIN/initdb" -D "$real" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DATA/initdb.log" 2>&1 \
      || die "initdb failed, see .data/initdb.log"
    cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '/tmp'
shared_buffers = 256MB
max_connections = 200
fsync = on
max_wal_size = 2GB
timezone = 'UTC'
CONF
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$real" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$real" -l "$real/server.log" -w -t 60 start >/dev/null \
      || die "PostgreSQL did not start, see .data/pg/server.log"
  fi
  local psql=(psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1)
  if [ -z "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
    "${psql[@]}" -c "CREATE DATABASE $DB_NAME" >/dev/null || die "cannot create database $DB_NAME"
  fi
  "${psql[@]}" -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null 2>&1 \
    || die "CREATE EXTENSION postgis failed (is postgresql-15-postgis-3 installed?)"
}

pg_stop() {
  [ -f "$PGDATA/postmaster.pid" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$(pg_real)" -m fast -w stop >/dev/null 2>&1 || true
}

mqtt_start() {
  mkdir -p "$DATA/mqtt"
  local pidf=$DATA/mqtt/mosquitto.pid
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then return; fi
  cat >"$DATA/mqtt/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $DATA/mqtt/
# Subscribers acknowledge only after they commit: give them a wide window, and never drop a queued message.
max_inflight_messages 1000
max_queued_messages 0
# Frigate publishes its events at QoS 0: queue those too for a persistent session while its worker is away
# (mosquitto drops QoS 0 for a disconnected client otherwise).
queue_qos0_messages true
user root
CONF
  nohup mosquitto -c "$DATA/mqtt/mosquitto.conf" >"$DATA/mqtt/mosquitto.log" 2>&1 &
  echo $! >"$pidf"
  for _ in $(seq 50); do
    (echo >/dev/tcp/127.0.0.1/"$MQTT_PORT") 2>/dev/null && return
    sleep 0.1
  done
  die "mosquitto did not start on $MQTT_PORT, see .data/mqtt/mosquitto.log"
}

mqtt_stop() {
  local pidf=$DATA/mqtt/mosquitto.pid
  if [ -f "$pidf" ]; then
    local pid; pid=$(cat "$pidf")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidf"
}

case "${1:-}" in
  start)
    if [ -z "${DATABASE_URL:-}" ]; then pg_start; fi
    mqtt_start ;;
  stop) mqtt_stop; pg_stop ;;
  pg-start) pg_start ;;
  pg-stop) pg_stop ;;
  mqtt-start) mqtt_start ;;
  mqtt-stop) mqtt_stop ;;
  status)
    as_pg "$PG_BIN/pg_ctl" -D "$(pg_real)" status || true ;;
  *) die "usage: $0 start|stop|status|pg-start|pg-stop|mqtt-start|mqtt-stop" ;;
esac

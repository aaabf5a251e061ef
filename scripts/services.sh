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
SECRETS=$DATA/secrets      # generated passwords, root only (0700 folder, 0600 files)
# The database roles the processes log in as (sql/db.py ROLE_USERS names the same); `postgres` is the admin login
# kept for migrations and the test harness. Each has its password in $SECRETS/pgpass (libpq's passfile format).
DB_ROLES=(portmap_app portmap_read portmap_ais portmap_camera portmap_yard portmap_alerts portmap_reference)

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

new_password() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }   # 192 random bits in hex (no : or \ to escape)

secrets_dir() {
  (umask 077 && mkdir -p "$SECRETS")
  chown root:root "$SECRETS" 2>/dev/null || true
  chmod 700 "$SECRETS"
}

pg_secrets() {
  # One line per login, made once and kept: 127.0.0.1:*:*:<role>:<password>.
  secrets_dir
  local f=$SECRETS/pgpass user
  (umask 077 && touch "$f")
  chmod 600 "$f"
  for user in postgres "${DB_ROLES[@]}"; do
    grep -q "^127\.0\.0\.1:\*:\*:$user:" "$f" || echo "127.0.0.1:*:*:$user:$(new_password)" >>"$f"
  done
}

webhook_secret() {
  # The camera webhook's bearer token (make demo hands it to the camera worker), made once and kept.
  secrets_dir
  local f=$SECRETS/webhook-token
  if [ ! -s "$f" ]; then (umask 077 && new_password >"$f"); fi
  chmod 600 "$f"
}

pg_hba() {
  # Written on every start, so a cluster made by an older version is brought up to date: over TCP every login
  # needs its password (SCRAM); on the socket only the postgres OS user, as itself (this script's own door).
  local hba
  hba=$(pg_real)/pg_hba.conf
  cat >"$hba" <<HBA
# Written by scripts/services.sh on every start; edits here are lost.
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 peer
host    all       all       127.0.0.1/32   scram-sha-256
host    all       all       ::1/128        scram-sha-256
HBA
  chown postgres:postgres "$hba"
  chmod 600 "$hba"
}

pg_roles() {
  # The admin password and every process role (LOGIN, never superuser, cannot create roles or databases, no
  # replication, no row-security bypass), with the passwords of $SECRETS/pgpass. Sent on psql's stdin over the
  # socket, never on a command line. portmap_owner owns the schema and cannot log in.
  local f=$SECRETS/pgpass user pw
  {
    echo "SET client_min_messages = warning;"
    for user in portmap_owner "${DB_ROLES[@]}"; do
      echo "SELECT format('CREATE ROLE %I', '$user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$user') \gexec"
    done
    echo "ALTER ROLE portmap_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;"
    for user in postgres "${DB_ROLES[@]}"; do
      pw=$(grep "^127\.0\.0\.1:\*:\*:$user:" "$f" | cut -d: -f5)
      if [ "$user" = postgres ]; then
        echo "ALTER ROLE postgres PASSWORD '$pw';"
      else
        echo "ALTER ROLE $user LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$pw';"
      fi
    done
  } | as_pg psql -X -q -h /tmp -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null \
    || die "cannot set the database roles"
}

pg_start() {
  pg_dir
  local real
  real=$(pg_real)
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    as_pg "$PG_BIN/initdb" -D "$real" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DATA/initdb.log" 2>&1 \
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
  pg_secrets
  pg_hba
  if ! as_pg "$PG_BIN/pg_ctl" -D "$real" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$real" -l "$real/server.log" -w -t 60 start >/dev/null \
      || die "PostgreSQL did not start, see .data/pg/server.log"
  else
    as_pg "$PG_BIN/pg_ctl" -D "$real" reload >/dev/null
  fi
  pg_roles
  local psql=(as_pg psql -X -q -h /tmp -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1)
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

# The broker's users and what each may do (ingest/broker.py names the same): the camera worker reads Frigate's
# topics, Frigate (the demo feed stands in for it) publishes them, portmap-test is the tests' and benchmarks' own
# (any topic but $SYS: they use topics of their own so that no session sees another's); portmap-alerts publishes
# the alerts' states (python -m ingest alerts-out) that the port's and agencies' systems subscribe to.
MQTT_USERS=(portmap-camera frigate portmap-test portmap-alerts)

mqtt_secrets() {
  # A password per user in $SECRETS/mqtt-<user> (made once, kept), and mosquitto's hashed password file.
  secrets_dir
  local user f plain=$DATA/mqtt/passwd
  for user in "${MQTT_USERS[@]}"; do
    f=$SECRETS/mqtt-$user
    if [ ! -s "$f" ]; then (umask 077 && new_password >"$f"); fi
    chmod 600 "$f"
  done
  (umask 077 && : >"$plain")
  for user in "${MQTT_USERS[@]}"; do echo "$user:$(cat "$SECRETS/mqtt-$user")" >>"$plain"; done
  mosquitto_passwd -U "$plain" >/dev/null || die "mosquitto_passwd failed"
  chmod 600 "$plain"
  cat >"$DATA/mqtt/acl" <<ACL
# Written by scripts/services.sh. Anything not granted here is refused.
user portmap-camera
topic read frigate/#

user frigate
topic readwrite frigate/#

user portmap-test
topic readwrite #

user portmap-alerts
topic write portmap/+/alerts/#
ACL
  chmod 600 "$DATA/mqtt/acl"
}

mqtt_start() {
  mkdir -p "$DATA/mqtt"
  local pidf=$DATA/mqtt/mosquitto.pid
  mqtt_secrets
  cat >"$DATA/mqtt/mosquitto.conf.new" <<CONF
listener $MQTT_PORT 127.0.0.1
# Logins only: a password per user (hashed), an ACL per user.
allow_anonymous false
password_file $DATA/mqtt/passwd
acl_file $DATA/mqtt/acl
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
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    if cmp -s "$DATA/mqtt/mosquitto.conf.new" "$DATA/mqtt/mosquitto.conf"; then
      rm -f "$DATA/mqtt/mosquitto.conf.new"
      kill -HUP "$(cat "$pidf")"      # running already: re-read the users and ACL just written (a new user)
      return
    fi
    mqtt_stop                        # started with another configuration (an older version's): start it anew
  fi
  mv "$DATA/mqtt/mosquitto.conf.new" "$DATA/mqtt/mosquitto.conf"
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
    mqtt_start
    webhook_secret ;;
  stop) mqtt_stop; pg_stop ;;
  pg-start) pg_start ;;
  pg-stop) pg_stop ;;
  mqtt-start) mqtt_start ;;
  mqtt-stop) mqtt_stop ;;
  status)
    as_pg "$PG_BIN/pg_ctl" -D "$(pg_real)" status || true ;;
  *) die "usage: $0 start|stop|status|pg-start|pg-stop|mqtt-start|mqtt-stop" ;;
esac

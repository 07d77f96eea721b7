#!/usr/bin/env bash
# Runs real NocoBase nodes on loopback for tests: a private PostgreSQL cluster, fresh databases,
# schema installs and app nodes, all under one state directory DIR (keep it short: unix sockets).
# Every process is started with its PID recorded and is stopped by PID (process group).
#
#   nocobase-cluster.sh pg-start    DIR PGPORT        private PG cluster; prints the postmaster PID
#   nocobase-cluster.sh my-start    DIR PORT          or a private MariaDB server (tests/harness/mariadb.sh, under
#                                                     DIR/my); every later command then uses MariaDB
#   nocobase-cluster.sh db-create   DIR DB            user nocobase + database DB (empty)
#   nocobase-cluster.sh app-install DIR DB            `yarn nocobase install` into DB (schema + root user)
#   nocobase-cluster.sh node-start  DIR NAME PORT [DB] one node (APP_LAUNCH_MODE=node); prints its PID
#   nocobase-cluster.sh node-exec   DIR NAME PORT [DB] the same in the foreground (exec): for a supervisor
#   nocobase-cluster.sh node-wait   DIR PORT [SECS]   until /api/__health_check answers 200
#   nocobase-cluster.sh node-stop   DIR NAME          SIGTERM to the node's process group, SIGKILL after 30 s
#   nocobase-cluster.sh apikey      DIR PORT FILE     signs in as root, creates an API key, writes it to FILE (0600)
#   nocobase-cluster.sh pg-stop     DIR               (also stops the MariaDB server of my-start)
#   nocobase-cluster.sh up          DIR PGPORT PORT... all of the above for database "nocobase" + an API key in DIR/apikey
#   nocobase-cluster.sh prepare     DIR PGPORT        fresh DIR: PG + installed database "nocobase" + empty database "empty"
#   nocobase-cluster.sh down        DIR               stops every node and PostgreSQL recorded under DIR
#
# Nodes share the cached app directory (nocobase-install.sh) but each gets its own SOCKET_PATH,
# PM2_HOME and LOGGER_BASE_PATH (nocobase-v1 deletes SOCKET_PATH and PM2_HOME when it starts); the
# cluster shares STORAGE_PATH=DIR/storage and APP_KEY, as a real cluster shares storage. Settings go
# through the environment (real env beats the app's .env), so the cache is never edited.
# NCB_FAULT_DB_PORT=<port> (node-start/node-exec): the node gets a wrong database port and never gets ready.
# Root credentials: admin@nocobase.com / admin123 (INIT_ROOT_*), database user nocobase/nocobase (both servers).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

die() { echo "nocobase-cluster: $*" >&2; exit 1; }
need_dir() { [ -n "${1:-}" ] || die "missing DIR"; mkdir -p "$1"; cd "$1" && pwd; }
pg_port() { cat "$1/pg/port" 2>/dev/null || die "no PostgreSQL under $1: run pg-start first"; }
psql_su() { psql -X -q -h 127.0.0.1 -p "$(pg_port "$1")" -U postgres -d postgres -v ON_ERROR_STOP=1 "${@:2}"; }
# The database server of DIR: MariaDB when my-start made one, else PostgreSQL.
db_dialect() { if [ -f "$1/my/port" ]; then echo mariadb; else echo postgres; fi; }
db_port() { if [ -f "$1/my/port" ]; then cat "$1/my/port"; else pg_port "$1"; fi; }
my_root() { mariadb --no-defaults -uroot -S "$1/my/sock" "${@:2}"; }

app_dir() { "$here/nocobase-install.sh"; }
yarn_bin() { echo "${NCBCTL_CACHE:-$HOME/.cache/ncbctl}/yarn-1.22.22/node_modules/.bin/yarn"; }

# The per-cluster settings every NocoBase process of DIR gets.
node_env() {  # DIR DB
  local dir=$1 db=$2
  [ -f "$dir/app_key" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/app_key")
  printf '%s\n' "APP_ENV=production" "APP_KEY=$(cat "$dir/app_key")" \
    "DB_DIALECT=$(db_dialect "$dir")" "DB_HOST=127.0.0.1" "DB_PORT=$(db_port "$dir")" "DB_DATABASE=$db" \
    "DB_USER=nocobase" "DB_PASSWORD=nocobase" "DB_LOGGING=off" \
    "STORAGE_PATH=$dir/storage" "PLUGIN_STORAGE_PATH=$dir/storage/plugins" \
    "INIT_ROOT_EMAIL=admin@nocobase.com" "INIT_ROOT_PASSWORD=admin123" "INIT_ROOT_USERNAME=nocobase" \
    "INIT_ROOT_NICKNAME=Super Admin" "INIT_LANG=en-US" "TZ=UTC" "DB_TIMEZONE=+00:00" \
    "PATH=$(dirname "$(yarn_bin)"):$PATH"
}

cmd_pg_start() {
  local dir; dir=$(need_dir "${1:-}"); local port=${2:?PGPORT}
  [ -x "$PGBIN/initdb" ] || die "PostgreSQL server binaries missing: run scripts/deps nocobase"
  chmod o+x "$dir"
  su postgres -s /bin/sh -c "test -x '$dir'" || die "$dir is not reachable by user postgres: use a directory under /tmp"
  install -d -o postgres -m 700 "$dir/pg" "$dir/pg/sock"
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    install -d -o postgres -m 700 "$dir/pg/data"
    su postgres -s /bin/sh -c "'$PGBIN/initdb' -D '$dir/pg/data' -A trust -U postgres" >/dev/null
  fi
  echo "$port" > "$dir/pg/port"
  install -o postgres /dev/null "$dir/pg/pg.log"
  local start="'$PGBIN/pg_ctl' -D '$dir/pg/data' -o '-p $port -k $dir/pg/sock -c listen_addresses=127.0.0.1' -l '$dir/pg/pg.log' -w -t 60 start"
  # One retry: a start that fails at once (port briefly taken) is shown, not hidden.
  if ! su postgres -s /bin/sh -c "$start" >/dev/null; then
    tail -5 "$dir/pg/pg.log" >&2; echo "nocobase-cluster: PostgreSQL did not start on port $port; retrying once" >&2
    sleep 2
    su postgres -s /bin/sh -c "$start" >/dev/null \
      || { tail -5 "$dir/pg/pg.log" >&2; die "PostgreSQL did not start on port $port (log above, from $dir/pg/pg.log)"; }
  fi
  head -1 "$dir/pg/data/postmaster.pid"
}

cmd_my_start() {
  local dir; dir=$(need_dir "${1:-}"); local port=${2:?PORT}
  "$here/mariadb.sh" start "$dir/my" "$port" nocobase-unused >/dev/null
  my_root "$dir" -e "CREATE USER IF NOT EXISTS 'nocobase'@'127.0.0.1' IDENTIFIED BY 'nocobase';
    GRANT ALL ON *.* TO 'nocobase'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
  echo "$port" > "$dir/my/port"
  cat "$dir/my/pid"
}

cmd_pg_stop() {
  local dir; dir=$(need_dir "${1:-}")
  if [ -f "$dir/my/port" ]; then "$here/mariadb.sh" stop "$dir/my"; fi
  [ -f "$dir/pg/data/postmaster.pid" ] || return 0
  local pid; pid=$(head -1 "$dir/pg/data/postmaster.pid")
  su postgres -s /bin/sh -c "'$PGBIN/pg_ctl' -D '$dir/pg/data' -m fast -w -t 30 stop" >/dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

cmd_db_create() {
  local dir; dir=$(need_dir "${1:-}"); local db=${2:?DB}
  if [ "$(db_dialect "$dir")" = mariadb ]; then
    my_root "$dir" -e "CREATE DATABASE IF NOT EXISTS \`$db\`"; return
  fi
  psql_su "$dir" -tc "select 1 from pg_roles where rolname='nocobase'" | grep -q 1 \
    || psql_su "$dir" -c "create user nocobase password 'nocobase' superuser"
  psql_su "$dir" -tc "select 1 from pg_database where datname='$db'" | grep -q 1 \
    || psql_su "$dir" -c "create database \"$db\" owner nocobase"
}

cmd_app_install() {
  local dir; dir=$(need_dir "${1:-}"); local db=${2:?DB}
  local app; app=$(app_dir)
  mkdir -p "$dir/storage" "$dir/install"
  # Own socket path: with a node listening on the default socket, install would be sent to it over IPC.
  (cd "$app" && while IFS= read -r kv; do export "$kv"; done < <(node_env "$dir" "$db") &&
    SOCKET_PATH="$dir/install/gateway.sock" PM2_HOME="$dir/install/pm2" LOGGER_BASE_PATH="$dir/install/logs" \
    "$(yarn_bin)" -s nocobase install > "$dir/install/install.log" 2>&1) \
    || die "yarn nocobase install into $db failed: see $dir/install/install.log"
}

# Exports the environment of node NAME on PORT (database DB) and enters the app directory.
# NCB_FAULT_DB_PORT=<port> points the node at a wrong database port (a node that never gets ready).
enter_node() {  # DIR NAME PORT DB
  local dir=$1 name=$2 port=$3 db=$4
  local app; app=$(app_dir)
  local n="$dir/nodes/$name"
  mkdir -p "$n" "$dir/storage"
  cd "$app"
  local kv
  while IFS= read -r kv; do export "$kv"; done < <(node_env "$dir" "$db")
  if [ -n "${NCB_FAULT_DB_PORT:-}" ]; then export DB_PORT="$NCB_FAULT_DB_PORT"; fi
  export APP_PORT="$port" APP_LAUNCH_MODE=node SOCKET_PATH="$n/gateway.sock" PM2_HOME="$n/pm2" LOGGER_BASE_PATH="$n/logs"
}

cmd_node_start() {
  local dir; dir=$(need_dir "${1:-}"); local name=${2:?NAME} port=${3:?PORT} db=${4:-nocobase}
  local n="$dir/nodes/$name"
  if [ -f "$n/pid" ] && kill -0 "$(cat "$n/pid")" 2>/dev/null; then die "node $name already runs (PID $(cat "$n/pid"))"; fi
  mkdir -p "$n"
  (enter_node "$dir" "$name" "$port" "$db" && exec setsid "$(yarn_bin)" start > "$n/server.log" 2>&1 < /dev/null) &
  local pid=$!
  echo "$pid" > "$n/pid"
  echo "$port" > "$n/port"
  echo "$pid"
}

# The node in the foreground, for a supervisor (supervisord): exec, so the supervisor's child PID is the
# node's; stop it by its process group (stopasgroup/killasgroup).
cmd_node_exec() {
  local dir; dir=$(need_dir "${1:-}"); local name=${2:?NAME} port=${3:?PORT} db=${4:-nocobase}
  enter_node "$dir" "$name" "$port" "$db"
  exec "$(yarn_bin)" start < /dev/null
}

cmd_node_wait() {
  local port=${2:?PORT} secs=${3:-180}
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/__health_check")" = 200 ] && return 0
    sleep 0.5
  done
  die "node on port $port not healthy after ${secs}s"
}

cmd_node_stop() {
  local dir; dir=$(need_dir "${1:-}"); local name=${2:?NAME}
  local n="$dir/nodes/$name"
  [ -f "$n/pid" ] || return 0
  local pid; pid=$(cat "$n/pid")
  kill -TERM -- "-$pid" 2>/dev/null || { rm -f "$n/pid"; return 0; }
  local i
  for i in $(seq 300); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  while kill -0 -- "-$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$n/pid"
}

cmd_apikey() {
  local dir; dir=$(need_dir "${1:-}"); local port=${2:?PORT} file=${3:?FILE}
  local base="http://127.0.0.1:$port/api"
  local user_token
  user_token=$(curl -sf -X POST "$base/auth:signIn" -H 'X-Authenticator: basic' -H 'Content-Type: application/json' \
    -d '{"account":"admin@nocobase.com","password":"admin123"}' |
    node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0)).data.token)') || die "sign-in on port $port failed"
  (umask 077; curl -sf -X POST "$base/apiKeys:create" -H "Authorization: Bearer $user_token" -H 'X-Role: root' \
    -H 'Content-Type: application/json' -d '{"name":"ncbctl-test","role":{"name":"root"},"expiresIn":"never"}' |
    node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0)).data.token)' > "$file.tmp") \
    || die "apiKeys:create on port $port failed"
  chmod 600 "$file.tmp"; mv "$file.tmp" "$file"
}

cmd_up() {
  local dir; dir=$(need_dir "${1:-}"); local pgport=${2:?PGPORT}; shift 2
  [ $# -gt 0 ] || die "up: give at least one node port"
  app_dir >/dev/null
  cmd_pg_start "$dir" "$pgport" >/dev/null
  cmd_db_create "$dir" nocobase
  cmd_app_install "$dir" nocobase
  local i=1 p
  for p in "$@"; do cmd_node_start "$dir" "node$i" "$p" >/dev/null; cmd_node_wait "$dir" "$p"; i=$((i + 1)); done
  cmd_apikey "$dir" "$1" "$dir/apikey"
}

cmd_prepare() {
  local dir=${1:?DIR} pgport=${2:?PGPORT}
  [ -d "$dir" ] && cmd_down "$dir"
  rm -rf "$dir"
  dir=$(need_dir "$dir")
  local app; app=$(app_dir)
  # pm:add links plugins from the shared node_modules into a cluster's storage; pm:remove leaves the
  # link behind. Drop links whose cluster is gone so the next pm:add starts clean.
  find "$app/node_modules/@nocobase" -maxdepth 1 -xtype l -delete 2>/dev/null || true
  cmd_pg_start "$dir" "$pgport" >/dev/null
  cmd_db_create "$dir" nocobase
  cmd_app_install "$dir" nocobase
  cmd_db_create "$dir" empty
}

cmd_down() {
  local dir; dir=$(need_dir "${1:-}")
  local f
  for f in "$dir"/nodes/*/pid; do [ -f "$f" ] && cmd_node_stop "$dir" "$(basename "$(dirname "$f")")"; done
  cmd_pg_stop "$dir"
}

sub=${1:-}; shift || true
case "$sub" in
  pg-start) cmd_pg_start "$@" ;;
  my-start) cmd_my_start "$@" ;;
  pg-stop) cmd_pg_stop "$@" ;;
  db-create) cmd_db_create "$@" ;;
  app-install) cmd_app_install "$@" ;;
  node-start) cmd_node_start "$@" ;;
  node-exec) cmd_node_exec "$@" ;;
  node-wait) cmd_node_wait "$@" ;;
  node-stop) cmd_node_stop "$@" ;;
  apikey) cmd_apikey "$@" ;;
  up) cmd_up "$@" ;;
  prepare) cmd_prepare "$@" ;;
  down) cmd_down "$@" ;;
  *) sed -n '2,23p' "$0" >&2; exit 2 ;;
esac

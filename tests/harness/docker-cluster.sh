#!/usr/bin/env bash
# A real Docker NocoBase cluster on this machine alone, for tests/e2e/docker and `scripts/demo docker`:
#   - a private dockerd (docker-lib.sh: --bridge=none, so every container uses the host network), reached
#     through its unix socket (nodes app1, app2) and through tcp:// with TLS client certificates (app3),
#   - images ncb/nocobase:2.2.14 (A) and :2.2.15 (B) from the cached NocoBase 2.2.15 install
#     (docker-nocobase.sh); the database records 2.2.14, and B's first start runs NocoBase's real
#     app.upgrade() (the driver writes storage/.upgrading: docker.upgrade_marker_dir),
#   - three containers ncb-app1..3 (created, not started) on their own loopback ports, sharing storage/,
#   - PostgreSQL on the host (127.0.0.1:$NB_PGPORT, docker-nocobase.sh); the backups run through
#     `database.run_on: container:ncb-tools`, a container of the same image with the host's client tools,
#   - nginx on 127.0.0.1:$LBPORT with ncbctl's include file (`ncbctl traffic setup`).
#   docker-cluster.sh up DIR       build everything, write DIR/ncbctl.yaml (needs NCBCTL=path/to/ncbctl)
#   docker-cluster.sh down DIR     stop everything started under DIR, by PID; remove DIR
#   docker-cluster.sh psql DIR SQL
#   docker-cluster.sh break-b DIR on|off   tag a B image whose NocoBase never gets ready (database port 1)
#   docker-cluster.sh reset-a DIR  with every node stopped: containers on A again, database version A
#   docker-cluster.sh compose-up DIR   the compose shape beside it (see cmd_compose_up); writes DIR/compose.yaml
# Ports (env): NB_PGPORT=55430 LBPORT=13390 NODE_PORTS="13311 13312 13313" DOCKER_TLS_PORT=13396
#   compose-up: COMPOSE_PORTS="13314 13315" DOCKER_SSH_PORT=13392 COMPOSE_REGISTRY_PORT=13393
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export NB_PGPORT=${NB_PGPORT:-55430} DOCKER_TLS_PORT=${DOCKER_TLS_PORT:-13396}
LBPORT=${LBPORT:-13390}
NODE_PORTS=${NODE_PORTS:-"13311 13312 13313"}
COMPOSE_PORTS=${COMPOSE_PORTS:-"13314 13315"}
export DOCKER_SSH_PORT=${DOCKER_SSH_PORT:-13392}
COMPOSE_REGISTRY_PORT=${COMPOSE_REGISTRY_PORT:-13393}
say() { echo "docker-cluster: $*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source=docker-lib.sh
. "$here/docker-lib.sh"
# shellcheck source=docker-nocobase.sh
. "$here/docker-nocobase.sh"
# shellcheck source=ports.sh
. "$here/ports.sh"

ngx() { nginx -p "$1/nginx" -c conf/nginx.conf -e logs/error.log "${@:2}"; }
env_json() {  # ENVFILE PORT NAME: the container's Env as a JSON array
  sed -e "s/^APP_PORT=.*/APP_PORT=$2/" -e "s#^SOCKET_PATH=.*#SOCKET_PATH=/tmp/ncb-$3.sock#" \
    -e "s#^PM2_HOME=.*#PM2_HOME=/tmp/ncb-$3.pm2#" "$1" | jq -R . | jq -s -c .
}
create_container() {  # NAME IMAGE ENVJSON [CMD-JSON]
  local body
  body=$(jq -n -c --arg img "$2" --argjson env "$3" --arg app "$NCB_NOCOBASE_APP" --arg st "$NB/storage" \
    --argjson cmd "${4:-null}" --arg name "$1" \
    '{Image: $img, Env: $env, Labels: {"ncb.node": $name}, StopTimeout: 30,
      HostConfig: {NetworkMode: "host", Init: true,
        Binds: ["/usr:/usr:ro", "/etc:/etc:ro", ($app + ":" + $app + ":rw"), ($st + ":" + $st + ":rw")]}}
     + (if $cmd then {Cmd: $cmd} else {} end)')
  dapi -X POST "http://d/v1.41/containers/create?name=$1" -d "$body" | grep -q '"Id"' || die "could not create $1"
}

cmd_up() {
  local dir=${1:?DIR}; : "${NCBCTL:?NCBCTL=path to ncbctl}"
  # shellcheck disable=SC2086
  ports_free "$LBPORT" $NODE_PORTS "$NB_PGPORT" "$DOCKER_TLS_PORT" || die "the cluster's ports are not free"
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd); chmod 755 "$dir"
  mkdir -p "$dir/backups" "$dir/state" "$dir/nginx/conf" "$dir/nginx/logs" "$dir/nginx/tmp"
  export DW=$dir/dk; mkdir -p "$DW"
  docker_start || die "dockerd cannot start"
  echo "$DOCKERD_PID" > "$dir/dockerd.pid.harness"
  say "NocoBase images and the database (yarn nocobase install)"
  nocobase_setup
  echo "$NB" > "$dir/nb.dir"; echo "$NCB_NOCOBASE_APP" > "$dir/app.dir"
  local i=1 p
  for p in $NODE_PORTS; do create_container "ncb-app$i" ncb/nocobase:2.2.14 "$(env_json "$NB/container.env" "$p" "app$i")"; i=$((i + 1)); done
  # The database tools' container (pg_dump/pg_restore/psql of the host's /usr), always running.
  create_container ncb-tools ncb/nocobase:2.2.14 '[]' '["sleep","infinity"]'
  dapi -X POST http://d/v1.41/containers/ncb-tools/start >/dev/null
  write_inventory "$dir"
  (umask 077; echo nocobase > "$dir/db-password"; echo admin123 > "$dir/admin-password")
  "$NCBCTL" -i "$dir/ncbctl.yaml" --no-color traffic setup --write >&2
  {
    printf '%s\n' 'worker_processes 1; pid logs/nginx.pid; error_log logs/error.log warn;' \
      'events { worker_connections 512; }' 'http {' '  access_log off;' \
      '  client_body_temp_path tmp/client; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi;' \
      '  uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;'
    "$NCBCTL" -i "$dir/ncbctl.yaml" --no-color traffic setup --part server
    echo '}'
  } > "$dir/nginx/conf/nginx.conf"
  ngx "$dir" -t -q || die "nginx -t refused $dir/nginx/conf/nginx.conf"
  ngx "$dir" </dev/null >/dev/null 2>>"$dir/nginx/logs/start.log"
  dwait test -s "$dir/nginx/logs/nginx.pid" || die "nginx did not start: $(cat "$dir/nginx/logs/start.log")"
  cp "$dir/nginx/logs/nginx.pid" "$dir/nginx.pid.harness"
  say "up: inventory $dir/ncbctl.yaml (containers created, not started; version 2.2.14 recorded)"
}

# DIR UPS RUN_ON_LINE: the inventory from `canary:` on (nginx, the database, backups, timeouts), shared by both shapes.
inventory_rest() {
  local dir=$1 ups=$2
  cat <<YAML
canary: app1
traffic:
  driver: nginx
  nginx:
    include_file: $dir/nginx/conf/ncbctl.conf
    upstreams: {${ups%, }}
    test_command: [nginx, -p, $dir/nginx, -c, conf/nginx.conf, -e, logs/error.log, -t]
    reload_command: [nginx, -p, $dir/nginx, -c, conf/nginx.conf, -e, logs/error.log, -s, reload]
database:
  dialect: postgres
  host: 127.0.0.1
  port: $NB_PGPORT
  name: nocobase
  user: nocobase
  password_file: $dir/db-password
${3:+$3
}backup:
  method: database
  destination: $dir/backups
timeouts:
  stop: 60s
  start: 60s
  ready: 240s
YAML
}

write_inventory() {
  local dir=$1 i=1 p nodes="" ups="" ep tls
  for p in $NODE_PORTS; do
    ep="unix://$DW/docker.sock"; tls=""
    if [ "$i" = 3 ]; then
      ep="tcp://127.0.0.1:$DOCKER_TLS_PORT"
      tls="
      tls: {ca_file: $DW/tls/ca.pem, cert_file: $DW/tls/client.pem, key_file: $DW/tls/client-key.pem}"
    fi
    nodes+="  - name: app$i
    url: http://127.0.0.1:$p
    driver: docker
    docker:
      endpoint: $ep
      container: ncb-app$i
      image: ncb/nocobase
      stop_timeout: 30s
      upgrade_marker_dir: $NB/storage$tls
"
    ups+="app$i: 127.0.0.1:$p, "
    i=$((i + 1))
  done
  cat > "$dir/ncbctl.yaml" <<YAML
# Generated by tests/harness/docker-cluster.sh: the real local Docker cluster.
cluster: docker-local
api:
  lb_url: http://127.0.0.1:$LBPORT
  account: admin@nocobase.com
  password_file: $dir/admin-password
nodes:
$nodes
YAML
  inventory_rest "$dir" "$ups" "  run_on: container:ncb-tools" >> "$dir/ncbctl.yaml"
}

load() {  # DIR: the variables of a cluster that is up
  dir=$(cd "${1:?DIR}" && pwd); export DW=$dir/dk; NB=$(cat "$dir/nb.dir" 2>/dev/null || echo "$DW/nb")
  NCB_NOCOBASE_APP=$(cat "$dir/app.dir" 2>/dev/null || true)
}

cmd_down() {
  local dir=${1:?DIR}
  [ -d "$dir" ] || return 0
  load "$dir"
  if [ -f "$dir/nginx.pid.harness" ]; then
    local pid; pid=$(cat "$dir/nginx.pid.harness")
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  [ -f "$dir/dockerd.pid.harness" ] && DOCKERD_PID=$(cat "$dir/dockerd.pid.harness")
  [ -f "$dir/sshd.pid.harness" ] && SSHD_PID=$(cat "$dir/sshd.pid.harness")
  [ -f "$dir/registry.pid.harness" ] && REGISTRY_PID=$(cat "$dir/registry.pid.harness")
  NB_PG_STARTED=1 nocobase_cleanup || true
  docker_cleanup || true
  rm -rf "$dir"
}

cmd_psql() {
  load "$1"
  psql -X -q -At -h 127.0.0.1 -p "$NB_PGPORT" -U nocobase -d nocobase -v ON_ERROR_STOP=1 -c "${2:?SQL}"
}

# B whose NocoBase cannot reach its database: the canary never gets ready (the Docker form of
# cluster.sh's canary-never-ready fault). off: the real B image again.
cmd_break_b() {
  load "$1"
  local d=(env DOCKER_HOST="unix://$DW/docker.sock" docker)
  case ${2:?on|off} in
    on) "${d[@]}" tag ncb/nocobase:2.2.15 ncb/nocobase:2.2.15-good
        "${d[@]}" import -c "LABEL org.nocobase.version=2.2.15" -c "ENV NCB_IMAGE_VERSION=2.2.15" -c 'WORKDIR /app' \
          -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'ENV APP_LAUNCH_MODE=node' \
          -c 'CMD ["sh","-c","DB_PORT=1 exec node --preserve-symlinks /ncb/start.js"]' \
          "$NB/rootfs.tar" ncb/nocobase:2.2.15 >/dev/null ;;
    off) "${d[@]}" tag ncb/nocobase:2.2.15-good ncb/nocobase:2.2.15 && "${d[@]}" rmi ncb/nocobase:2.2.15-good >/dev/null ;;
    *) die "break-b: on or off" ;;
  esac
}

# Every node stopped: the containers recreated on A (previous ones dropped), the database back to 2.2.14.
cmd_reset_a() {
  load "$1"
  local i=1 p
  for p in $NODE_PORTS; do
    dapi -X DELETE "http://d/v1.41/containers/ncb-app$i?force=1" >/dev/null
    dapi -X DELETE "http://d/v1.41/containers/ncb-app$i-ncbctl-prev?force=1" >/dev/null
    create_container "ncb-app$i" ncb/nocobase:2.2.14 "$(env_json "$NB/container.env" "$p" "app$i")"
    i=$((i + 1))
  done
  rm -f "$NB/storage/.upgrading"
  cmd_psql "$dir" "update \"applicationVersion\" set value='2.2.14'"
}

# The docker-compose shape on the same dockerd, database and storage: two NocoBase nodes, each its own compose
# project (as on its own host) with one service `app` whose image tag is APP_TAG in the project's .env, run by
# Debian's docker-compose 1.29 from a loopback registry holding both tags, and reached by ncbctl's SSH driver (preset docker-compose) over a private sshd
# on 127.0.0.1:$DOCKER_SSH_PORT; nginx switched to them (its include rewritten, reloaded). The nodes share the
# container cluster's database: bring this up with the container cluster stopped. Writes DIR/compose.yaml.
cmd_compose_up() {
  load "$1"; : "${NCBCTL:?NCBCTL=path to ncbctl}"
  # shellcheck disable=SC2086
  ports_free $COMPOSE_PORTS "$DOCKER_SSH_PORT" "$COMPOSE_REGISTRY_PORT" || die "the compose nodes' ports are not free"
  sshd_start || die "sshd cannot start"
  echo "$SSHD_PID" > "$dir/sshd.pid.harness"
  # The images in a registry (plain HTTP on loopback, no auth), as a compose project pulls them: `prepare`
  # runs `docker-compose pull` before the window.
  printf '%s\n' 'version: 0.1' 'log: {level: warn}' 'storage:' '  filesystem:' "    rootdirectory: $DW/registry" \
    'http:' "  addr: 127.0.0.1:$COMPOSE_REGISTRY_PORT" >"$DW/registry.yml"
  docker-registry serve "$DW/registry.yml" >"$DW/registry.log" 2>&1 &
  echo $! > "$dir/registry.pid.harness"
  dwait curl -s -o /dev/null "http://127.0.0.1:$COMPOSE_REGISTRY_PORT/v2/" || die "registry: $(tail -3 "$DW/registry.log")"
  local repo=127.0.0.1:$COMPOSE_REGISTRY_PORT/ncb/nocobase v
  for v in 2.2.14 2.2.15; do
    dapi -X POST "http://d/v1.41/images/ncb/nocobase:$v/tag?repo=$repo&tag=$v" >/dev/null
    dapi -X POST -H "X-Registry-Auth: e30=" "http://d/v1.41/images/$repo:$v/push" >"$DW/push.log"
    ! grep -q '"error"' "$DW/push.log" || die "push of $repo:$v failed: $(tail -c 300 "$DW/push.log")"
  done
  local i=1 p pj nodes="" ups=""
  for p in $COMPOSE_PORTS; do
    pj=$dir/compose/app$i; mkdir -p "$pj"
    sed -e "s/^APP_PORT=.*/APP_PORT=$p/" -e "s#^SOCKET_PATH=.*#SOCKET_PATH=/tmp/ncb-c$i.sock#" \
      -e "s#^PM2_HOME=.*#PM2_HOME=/tmp/ncb-c$i.pm2#" "$NB/container.env" > "$pj/app.env"
    chmod 600 "$pj/app.env"
    cat > "$pj/docker-compose.yml" <<YAML
version: "2.4"
services:
  app:
    image: "$repo:\${APP_TAG}"
    network_mode: host
    init: true
    stop_grace_period: 30s
    env_file: [app.env]
    volumes: ["/usr:/usr:ro", "/etc:/etc:ro", "$NCB_NOCOBASE_APP:$NCB_NOCOBASE_APP:rw", "$NB/storage:$NB/storage:rw"]
YAML
    printf '%s\n' '# the tag ncbctl edits' 'APP_TAG=2.2.14' > "$pj/.env"
    nodes+="  - name: app$i
    url: http://127.0.0.1:$p
    driver: ssh
    ssh: *ssh
    service:
      preset: docker-compose
      project_dir: $pj
      compose_service: app
      image_var: APP_TAG
      compose_command: [docker-compose]
      storage_dir: $NB/storage
      env: {DOCKER_HOST: unix://$DW/docker.sock}
"
    ups+="app$i: 127.0.0.1:$p, "
    i=$((i + 1))
  done
  sed -n '/^cluster:/,/^nodes:/p' "$dir/ncbctl.yaml" | sed -e 's/^cluster: .*/cluster: compose-local/' -e '/^nodes:/d' \
    > "$dir/compose.yaml"
  cat >> "$dir/compose.yaml" <<YAML
x-ssh: &ssh
  host: 127.0.0.1
  port: $DOCKER_SSH_PORT
  user: root
  identity_file: $DW/ssh/id
  known_hosts_file: $DW/ssh/known_hosts
nodes:
$nodes
YAML
  inventory_rest "$dir" "$ups" "" >> "$dir/compose.yaml"
  "$NCBCTL" -i "$dir/compose.yaml" --no-color traffic setup --write >&2
  ngx "$dir" -s reload || die "nginx did not reload the compose nodes' include"
  say "compose-up: inventory $dir/compose.yaml (two compose projects under $dir/compose, not started)"
}

sub=${1:-}; shift || true
case "$sub" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  psql) cmd_psql "$@" ;;
  break-b) cmd_break_b "$@" ;;
  reset-a) cmd_reset_a "$@" ;;
  compose-up) cmd_compose_up "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
esac

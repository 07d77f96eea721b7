#!/usr/bin/env bash
# The real local NocoBase cluster that scripts/demo and the e2e tests drive ncbctl against, built on
# this machine alone:
#   - PostgreSQL on 127.0.0.1:$PGPORT (private cluster), NocoBase 2.2.15 from npm (cached install),
#   - three NocoBase nodes as separate processes under supervisord (own port, socket path, pm2 home;
#     shared database and storage), reached by ncbctl through the SSH driver (sshd on 127.0.0.1:$SSHPORT,
#     own keys; the supervisord preset),
#   - HAProxy in front on 127.0.0.1:$LBPORT with an admin socket and a 503 maintenance errorfile.
# "Versions": the npm registry has only 2.2.15, so version A is simulated: the database's recorded
# version is set back to 2.2.14 and each node's release file says 2.2.14. Deploying 2.2.15 on a node
# (the custom upgrade command bin/release) touches storage/.upgrading, so the next node that starts runs
# NocoBase's real app.upgrade() (503 APP_COMMANDING, migrations, then getInfo.version = 2.2.15).
#
#   cluster.sh up DIR      build and start everything except the app nodes; writes DIR/ncbctl.yaml
#   cluster.sh down DIR    stop every process started under DIR (by PID) and remove DIR
#   cluster.sh fault DIR NAME on|off   fault switches read by bin/node-run (see below)
#   cluster.sh psql DIR SQL            run SQL on the cluster's database
#   cluster.sh reset-a DIR             with every node stopped: back to version A (database and releases)
#   cluster.sh sql DIR SQL             the same, on either server (psql is kept for PostgreSQL)
# Ports (override with env): PGPORT=55410 SSHPORT=2300 LBPORT=13280 NODE_PORTS="13201 13202 13203"
# NCB_DB=mariadb: the database is a private MariaDB server on 127.0.0.1:$MYPORT (default 55470) instead, and
# the inventory says `dialect: mariadb` (NocoBase's DB_DIALECT=mariadb; dumps by mariadb-dump).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PGPORT=${PGPORT:-55410}; SSHPORT=${SSHPORT:-2300}; LBPORT=${LBPORT:-13280}
NODE_PORTS=${NODE_PORTS:-"13201 13202 13203"}
NCB_DB=${NCB_DB:-postgres}; MYPORT=${MYPORT:-55470}
VERSION_A=2.2.14; VERSION_B=2.2.15
NCB="$here/nocobase-cluster.sh"
# shellcheck source=ports.sh
. "$here/ports.sh"

die() { echo "cluster: $*" >&2; exit 1; }
say() { echo "cluster: $*" >&2; }
waitfor() { local i; for i in $(seq "${WAIT_TRIES:-150}"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

cmd_up() {
  local dir=${1:?DIR}; mkdir -p "$dir"; dir=$(cd "$dir" && pwd); chmod 755 "$dir"
  # shellcheck disable=SC2086
  ports_free "$([ "$NCB_DB" = mariadb ] && echo "$MYPORT" || echo "$PGPORT")" "$SSHPORT" "$LBPORT" $NODE_PORTS ||
    die "the cluster's ports are not free"
  "$root/scripts/deps" >&2
  mkdir -p "$dir/bin" "$dir/faults" "$dir/logs" "$dir/backups" "$dir/state"
  say "NocoBase install (cached after the first run)"
  "$here/nocobase-install.sh" >/dev/null
  if [ "$NCB_DB" = mariadb ]; then
    say "MariaDB on 127.0.0.1:$MYPORT"
    "$NCB" my-start "$dir" "$MYPORT" > "$dir/my.pid"
  else
    say "PostgreSQL on 127.0.0.1:$PGPORT"
    "$NCB" pg-start "$dir" "$PGPORT" > "$dir/pg.pid"
  fi
  "$NCB" db-create "$dir" nocobase
  say "NocoBase schema install into a fresh database"
  "$NCB" app-install "$dir" nocobase
  set_version_a "$dir"

  # Node programs: bin/node-run reads fault switches, then execs the node in the foreground.
  cat > "$dir/bin/node-run" <<SH
#!/usr/bin/env bash
# node-run NAME PORT: one NocoBase node in the foreground (run by supervisord).
set -euo pipefail
name=\$1 port=\$2
if [ -e "$dir/faults/canary-never-ready" ] && [ "\$(cat "$dir/nodes/\$name/release")" = "$VERSION_B" ]; then
  # The node cannot reach its database: it never becomes ready.
  NCB_FAULT_DB_PORT=1 exec "$NCB" node-exec "$dir" "\$name" "\$port"
fi
exec "$NCB" node-exec "$dir" "\$name" "\$port"
SH
  # bin/release NODE VERSION: the custom preset's upgrade/rollback command (deploy, do not start).
  cat > "$dir/bin/release" <<SH
#!/usr/bin/env bash
set -euo pipefail
node=\$1 version=\$2
case "\$version" in $VERSION_A|$VERSION_B) ;; *) echo "release: no release \$version (have $VERSION_A $VERSION_B)" >&2; exit 3 ;; esac
mkdir -p "$dir/nodes/\$node"
printf '%s\n' "\$version" > "$dir/nodes/\$node/release.tmp"; mv "$dir/nodes/\$node/release.tmp" "$dir/nodes/\$node/release"
# Version B's code upgrades the database on its next start; going back to A must not.
if [ "\$version" = "$VERSION_B" ]; then touch "$dir/storage/.upgrading"; else rm -f "$dir/storage/.upgrading"; fi
SH
  # A verification check the e2e tests can make fail (fault switch check-fails).
  cat > "$dir/bin/check" <<SH
#!/usr/bin/env bash
[ ! -e "$dir/faults/check-fails" ] || { echo "check: fault switch check-fails is on" >&2; exit 1; }
SH
  chmod +x "$dir/bin/"*

  # supervisord with one program per node, started and stopped by ncbctl over SSH.
  local i=1 p programs=""
  for p in $NODE_PORTS; do
    mkdir -p "$dir/nodes/app$i"; echo "$VERSION_A" > "$dir/nodes/app$i/release"
    programs+="[program:ncb-app$i]
command=$dir/bin/node-run app$i $p
autostart=false
autorestart=false
startsecs=1
stopsignal=TERM
stopasgroup=true
killasgroup=true
stopwaitsecs=30
stdout_logfile=$dir/nodes/app$i/server.log
redirect_stderr=true
"
    i=$((i + 1))
  done
  cat > "$dir/supervisord.conf" <<CONF
[unix_http_server]
file=$dir/sv.sock
[supervisord]
logfile=$dir/logs/supervisord.log
pidfile=$dir/supervisord.pid
childlogdir=$dir/logs
nodaemon=true
silent=true
user=root
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$dir/sv.sock
$programs
CONF
  supervisord -c "$dir/supervisord.conf" > "$dir/logs/supervisord.out" 2>&1 &
  echo $! > "$dir/supervisord.pid.harness"
  # `pid` answers 0 once supervisord serves its socket (`status` exits 3 while programs are stopped).
  waitfor supervisorctl -c "$dir/supervisord.conf" pid || die "supervisord did not start: see $dir/logs"

  # sshd on loopback with its own keys; root's .bashrc hidden (slow pyenv init on this image).
  say "sshd on 127.0.0.1:$SSHPORT"
  mkdir -p "$dir/ssh"; mkdir -p -m 0755 /run/sshd
  [ -f "$dir/ssh/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh/hostkey"
  [ -f "$dir/ssh/id" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh/id"
  cp "$dir/ssh/id.pub" "$dir/ssh/authorized_keys"; : > "$dir/ssh/empty_bashrc"
  printf '%s\n' "Port $SSHPORT" 'ListenAddress 127.0.0.1' "HostKey $dir/ssh/hostkey" "PidFile $dir/ssh/sshd.pid" \
    "AuthorizedKeysFile $dir/ssh/authorized_keys" 'StrictModes no' 'PermitRootLogin prohibit-password' \
    'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'UsePAM no' 'MaxStartups 100:30:200' \
    'MaxSessions 50' 'Subsystem sftp internal-sftp' > "$dir/ssh/sshd_config"
  /usr/sbin/sshd -t -f "$dir/ssh/sshd_config"
  unshare -m --propagation private sh -c "[ -f /root/.bashrc ] && mount --bind $dir/ssh/empty_bashrc /root/.bashrc; \
    exec /usr/sbin/sshd -D -e -f $dir/ssh/sshd_config" > "$dir/logs/sshd.log" 2>&1 &
  echo $! > "$dir/sshd.pid.harness"
  echo "[127.0.0.1]:$SSHPORT $(cut -d' ' -f1-2 "$dir/ssh/hostkey.pub")" > "$dir/ssh/known_hosts"
  waitfor ssh -F /dev/null -p "$SSHPORT" -i "$dir/ssh/id" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o UserKnownHostsFile="$dir/ssh/known_hosts" root@127.0.0.1 true || die "sshd did not answer: see $dir/logs/sshd.log"

  # HAProxy: the maintenance page is the backend's errorfile 503 (every server in maint).
  say "HAProxy on 127.0.0.1:$LBPORT"
  printf 'HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\nRetry-After: 60\r\n\r\n<h1>NocoBase is under maintenance</h1>\n' > "$dir/maintenance.http"
  {
    printf '%s\n' global "  stats socket $dir/haproxy.sock mode 600 level admin" "  pidfile $dir/haproxy.pid" \
      defaults '  mode http' '  timeout connect 2s' '  timeout client 30s' '  timeout server 120s' \
      'frontend fe' "  bind 127.0.0.1:$LBPORT" '  default_backend nocobase' \
      'backend nocobase' '  balance roundrobin' '  option httpchk GET /api/__health_check' \
      '  http-check expect status 200' "  errorfile 503 $dir/maintenance.http"
    i=1; for p in $NODE_PORTS; do
      printf '  server app%s 127.0.0.1:%s check inter 1s fall 2 rise 1\n' "$i" "$p"; i=$((i + 1)); done
  } > "$dir/haproxy.cfg"
  haproxy -c -q -f "$dir/haproxy.cfg"
  haproxy -db -f "$dir/haproxy.cfg" > "$dir/logs/haproxy.log" 2>&1 &
  echo $! > "$dir/haproxy.pid.harness"
  waitfor test -S "$dir/haproxy.sock" || die "HAProxy did not start: see $dir/logs/haproxy.log"

  write_inventory "$dir"
  say "up: inventory $dir/ncbctl.yaml (nodes stopped, version $VERSION_A recorded)"
}

write_inventory() {
  local dir=$1 i=1 p nodes="" servers="" app
  app=$("$here/nocobase-install.sh")
  for p in $NODE_PORTS; do
    nodes+="  - name: app$i
    url: http://127.0.0.1:$p
    driver: ssh
    ssh:
      host: 127.0.0.1
      port: $SSHPORT
      user: root
      identity_file: $dir/ssh/id
      known_hosts_file: $dir/ssh/known_hosts
    service:
      preset: supervisord
      process: ncb-app$i
      supervisor_config: $dir/supervisord.conf
      app_dir: $app
      storage_dir: $dir/storage
      upgrade: [$dir/bin/release, \"{{node}}\", \"{{version}}\"]
      version: [cat, \"$dir/nodes/{{node}}/release\"]
"
    servers+="      app$i: app$i
"
    i=$((i + 1))
  done
  cat > "$dir/ncbctl.yaml" <<YAML
# Generated by tests/harness/cluster.sh: the real local cluster.
cluster: local
api:
  lb_url: http://127.0.0.1:$LBPORT
  account: admin@nocobase.com
  password_file: $dir/admin-password
nodes:
$nodes
canary: app1
traffic:
  driver: haproxy
  haproxy:
    socket: $dir/haproxy.sock
    backend: nocobase
    servers:
$servers
database:
  dialect: $NCB_DB
  host: 127.0.0.1
  port: $([ "$NCB_DB" = mariadb ] && echo "$MYPORT" || echo "$PGPORT")
  name: nocobase
  user: nocobase
  password_file: $dir/db-password
backup:
  method: database
  destination: $dir/backups
checks:
  - name: harness-check
    command:
      node: app1
      run: [$dir/bin/check]
timeouts:
  stop: 60s
  start: 60s
  ready: 240s
YAML
  (umask 077; echo nocobase > "$dir/db-password"; echo admin123 > "$dir/admin-password")
}

stop_pid() {  # PID [signal]: stop the process and wait for it (30 s), then SIGKILL
  local pid=$1 sig=${2:-TERM} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_pidfile() {  # FILE [signal]: stop the process recorded in FILE and wait for it
  [ -f "$1" ] || return 0
  stop_pid "$(cat "$1")" "${2:-TERM}"
  rm -f "$1"
}

cmd_down() {
  local dir=${1:?DIR}
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd)
  if [ -S "$dir/sv.sock" ]; then supervisorctl -c "$dir/supervisord.conf" stop all >/dev/null 2>&1 || true; fi
  stop_pidfile "$dir/supervisord.pid.harness"
  stop_pidfile "$dir/haproxy.pid.harness"
  # sshd's per-connection children first: SSH masters a killed ncbctl left behind then see EOF and exit.
  [ -f "$dir/sshd.pid.harness" ] && pkill -TERM -P "$(cat "$dir/sshd.pid.harness")" 2>/dev/null || true
  stop_pidfile "$dir/sshd.pid.harness"
  "$NCB" down "$dir" || true
  # NocoBase's pm:update restarts through pm2, whose daemon detaches (its own session) with the node's
  # PM2_HOME under $dir: stopped by its PID, found by that home.
  local p; for p in $(pgrep -f "God Daemon \\($dir/" 2>/dev/null); do stop_pid "$p"; done
  # Anything a test left in the nodes' process groups (a crashed supervisord leaves orphans).
  pkill -KILL -f "$dir/bin/node-run" 2>/dev/null || true
  rm -rf "$dir"
}

cmd_fault() {
  local dir=${1:?DIR} name=${2:?NAME} state=${3:?on|off}
  case "$state" in on) touch "$dir/faults/$name" ;; off) rm -f "$dir/faults/$name" ;; *) die "fault: on or off" ;; esac
}

cmd_reset_a() {
  local dir=${1:?DIR} r
  dir=$(cd "$dir" && pwd)
  set_version_a "$dir"
  for r in "$dir"/nodes/*/release; do echo "$VERSION_A" > "$r"; done
  rm -f "$dir/storage/.upgrading" "$dir"/faults/*
}

cmd_psql() {
  local dir=${1:?DIR}
  psql -X -q -At -h 127.0.0.1 -p "$(cat "$dir/pg/port")" -U nocobase -d nocobase -v ON_ERROR_STOP=1 -c "${2:?SQL}"
}

cmd_sql() {  # DIR SQL: on the cluster's server, whichever it is
  local dir=${1:?DIR}
  if [ -f "$dir/my/port" ]; then
    mariadb --no-defaults -N -B -h 127.0.0.1 -P "$(cat "$dir/my/port")" -u nocobase -pnocobase nocobase -e "${2:?SQL}"
  else
    cmd_psql "$@"
  fi
}

set_version_a() {  # DIR: the database's recorded NocoBase version back to A (quoting per dialect)
  if [ -f "$1/my/port" ]; then cmd_sql "$1" "update applicationVersion set value='$VERSION_A'"
  else cmd_psql "$1" "update \"applicationVersion\" set value='$VERSION_A'"; fi
}

sub=${1:-}; shift || true
case "$sub" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  fault) cmd_fault "$@" ;;
  psql) cmd_psql "$@" ;;
  sql) cmd_sql "$@" ;;
  reset-a) cmd_reset_a "$@" ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A private redis-server for tests on 127.0.0.1, never the system one: a password (requirepass), no
# persistence (a restart forgets every key, as a Redis without AOF does), stopped by its PID.
#   redis.sh up DIR PORT    writes DIR/redis.conf and DIR/password (once), starts it, waits for PONG; DIR/env
#   redis.sh start DIR      starts it again with the same configuration (after stop)
#   redis.sh stop DIR       SIGTERM by PID file, waits until the process is gone (SIGKILL after 10 s)
#   redis.sh down DIR       stop, then removes DIR
set -euo pipefail
cmd=${1:?usage: redis.sh up DIR PORT | start DIR | stop DIR | down DIR}; dir=${2:?DIR}
command -v redis-server >/dev/null || { echo "redis.sh: redis-server not installed (scripts/deps redis)" >&2; exit 1; }

start() {
  redis-server "$dir/redis.conf"
  local port; port=$(sed -n 's/^port //p' "$dir/redis.conf")
  for _ in $(seq 1 100); do
    if [ -s "$dir/redis.pid" ] &&
       [ "$(REDISCLI_AUTH=$(cat "$dir/password") redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
      cat "$dir/redis.pid"; return 0
    fi
    sleep 0.1
  done
  echo "redis.sh: redis-server on 127.0.0.1:$port did not answer; see $dir/redis.log" >&2
  tail -5 "$dir/redis.log" >&2 || true
  return 1
}

stop() {
  [ -s "$dir/redis.pid" ] || return 0
  local pid; pid=$(cat "$dir/redis.pid")
  if kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$dir/redis.pid"
}

case "$cmd" in
up)
  port=${3:?PORT}
  stop 2>/dev/null || true
  mkdir -p "$dir"; chmod 700 "$dir"
  [ -s "$dir/password" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/password")
  (umask 077; cat > "$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
protected-mode yes
requirepass $(cat "$dir/password")
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
save ""
appendonly no
CONF
)
  printf 'REDIS_PORT=%s\nREDIS_PASSWORD_FILE=%s\n' "$port" "$dir/password" > "$dir/env"
  start
  ;;
start) start ;;
stop) stop ;;
down) stop; rm -rf "$dir" ;;
*) echo "redis.sh: unknown command $cmd" >&2; exit 2 ;;
esac

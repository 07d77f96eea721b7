#!/usr/bin/env bash
# A private redis-server for tests on 127.0.0.1, never the system one: a password (requirepass), no
# persistence (a restart forgets every key, as a Redis without AOF does), stopped by its PID.
#   redis.sh up DIR PORT [TLS_PORT]  writes DIR/redis.conf and DIR/password (once), starts it, waits for PONG;
#                           DIR/env. With TLS_PORT it also serves rediss:// there: a throwaway CA and a server
#                           certificate for 127.0.0.1 in DIR/tls (REDIS_TLS_PORT, REDIS_TLS_CA in DIR/env)
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
  if [ -n "${4:-}" ]; then
    t=$dir/tls; mkdir -p "$t"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=ncb-redis-ca \
      -keyout "$t/ca-key.pem" -out "$t/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=ncb-redis \
      -keyout "$t/server-key.pem" -out "$t/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$t/server.ext"
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca-key.pem" -CAcreateserial -days 2 \
      -extfile "$t/server.ext" -out "$t/server.pem" 2>/dev/null
    printf '%s\n' "tls-port $4" "tls-cert-file $t/server.pem" "tls-key-file $t/server-key.pem" \
      "tls-ca-cert-file $t/ca.pem" 'tls-auth-clients no' >> "$dir/redis.conf"
    printf 'REDIS_TLS_PORT=%s\nREDIS_TLS_CA=%s\n' "$4" "$t/ca.pem" >> "$dir/env"
  fi
  start
  ;;
start) start ;;
stop) stop ;;
down) stop; rm -rf "$dir" ;;
*) echo "redis.sh: unknown command $cmd" >&2; exit 2 ;;
esac

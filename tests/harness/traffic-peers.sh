#!/usr/bin/env bash
# Real load balancers for the traffic tests, all on 127.0.0.1 under one prefix directory:
#   three busybox httpd backends (18001-18003, body "backend-appN", and 200 on /api/__health_check as
#   the LB verification of the ncbctl CLI expects; /cgi-bin/slow?N answers after N seconds), a fourth
#   backend on 18004 (traffic-ws-backend.py: WebSocket echo, proxy headers, uploads), nginx on 18010 whose main config
#   only includes ncbctl's file, HAProxy on 18020 with an admin socket, errorfile 503 and a bypass ACL.
# Usage: traffic-peers.sh start DIR | stop DIR | reload-haproxy DIR | reload-nginx DIR
#        traffic-peers.sh nginx-start DIR PREFIX | haproxy-start DIR CFG PIDFILE | stop-pid DIR PIDFILE
# (the last three for the set-up tests: an LB built from ncbctl's generated configuration under DIR).
# Every process started here is recorded in DIR/pids and stopped by PID.
set -euo pipefail
cmd=${1:?usage: traffic-peers.sh start|stop|reload-haproxy|reload-nginx DIR}
W=${2:?prefix directory}
SECRET=${NCBCTL_TRAFFIC_SECRET:-test-bypass-secret-0123456789}
NGX=(nginx -p "$W/nginx" -c conf/nginx.conf -e logs/error.log)
waitfor() { for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

stop() {
  [ -d "$W" ] || return 0
  [ -f "$W/nginx/logs/nginx.pid" ] && "${NGX[@]}" -s quit 2>/dev/null || true
  [ -f "$W/haproxy.pid" ] && kill "$(cat "$W/haproxy.pid")" 2>/dev/null || true
  if [ -f "$W/pids" ]; then while read -r p; do kill "$p" 2>/dev/null || true; done < "$W/pids"; fi
  for _ in $(seq 30); do
    alive=0
    [ -f "$W/nginx/logs/nginx.pid" ] && kill -0 "$(cat "$W/nginx/logs/nginx.pid" 2>/dev/null)" 2>/dev/null && alive=1
    [ -f "$W/haproxy.pid" ] && kill -0 "$(cat "$W/haproxy.pid" 2>/dev/null)" 2>/dev/null && alive=1
    [ $alive = 0 ] && break; sleep 0.1
  done
  rm -rf "$W"
}

start() {
  stop
  mkdir -p "$W"/nginx/{conf,logs,tmp} "$W"/b1 "$W"/b2 "$W"/b3; chmod 755 "$W"
  : > "$W/pids"
  for i in 1 2 3; do
    echo "backend-app$i" > "$W/b$i/index.html"
    mkdir -p "$W/b$i/api" "$W/b$i/cgi-bin"; echo ok > "$W/b$i/api/__health_check"
    # /cgi-bin/slow?SECONDS: a request that stays in flight that long (the drain tests).
    printf '#!/bin/sh\nsleep "${QUERY_STRING:-1}"\nprintf "Content-Type: text/plain\\r\\n\\r\\nslow-done-app%s\\n"\n' "$i" \
      > "$W/b$i/cgi-bin/slow"
    chmod 755 "$W/b$i/cgi-bin/slow"
    busybox httpd -f -p "127.0.0.1:1800$i" -h "$W/b$i" </dev/null >/dev/null 2>&1 & echo $! >> "$W/pids"
  done
  python3 "$(dirname "$0")/traffic-ws-backend.py" 18004 app4 </dev/null >/dev/null 2>>"$W/ws-backend.log" &
  echo $! >> "$W/pids"
  for i in 1 2 3 4; do waitfor busybox wget -q -O /dev/null "http://127.0.0.1:1800$i/"; done   # backends first

  # nginx: the operator's config; ncbctl owns conf/ncbctl-traffic.conf (seeded here without a marker).
  printf 'upstream ncbctl_nocobase { server 127.0.0.1:18001; server 127.0.0.1:18002; server 127.0.0.1:18003; }\n' \
    > "$W/nginx/conf/ncbctl-traffic.conf"
  cat > "$W/nginx/conf/nginx.conf" <<CONF
worker_processes 1; pid logs/nginx.pid; error_log logs/error.log warn;
events { worker_connections 256; }
http {
  access_log logs/access.log;
  client_body_temp_path tmp/client; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  include ncbctl-traffic.conf;
  server {
    listen 127.0.0.1:18010;
    location / {
      proxy_pass http://ncbctl_nocobase;
      proxy_set_header Host \$host;
      proxy_set_header X-Real-IP \$remote_addr;
    }
  }
}
CONF
  "${NGX[@]}" -t -q
  "${NGX[@]}" </dev/null >/dev/null 2>>"$W/nginx/logs/start.log"   # CTest waits for inherited pipes
  waitfor busybox wget -q -O /dev/null http://127.0.0.1:18010/

  # HAProxy: errorfile 503 is the maintenance page; the bypass ACL sends the secret header to be_bypass;
  # NocoBase's readiness check on every server, as `ncbctl traffic setup` generates it.
  printf 'HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Type: text/html\r\nRetry-After: 120\r\n\r\n<h1>NocoBase is under maintenance</h1>\n' > "$W/maintenance.http"
  cat > "$W/haproxy.cfg" <<CONF
global
  stats socket $W/haproxy.sock mode 600 level admin
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend fe
  bind 127.0.0.1:18020
  acl ncbctl_bypass req.hdr(X-Ncbctl-Bypass) -m str $SECRET
  use_backend be_bypass if ncbctl_bypass
  default_backend be
backend be
  balance roundrobin
  option httpchk GET /api/__health_check
  http-check expect status 200
  default-server check inter 1s
  errorfile 503 $W/maintenance.http
  server srv-app1 127.0.0.1:18001
  server srv-app2 127.0.0.1:18002
  server srv-app3 127.0.0.1:18003
backend be_bypass
  option httpchk GET /api/__health_check
  http-check expect status 200
  default-server check inter 1s
  errorfile 503 $W/maintenance.http
  server srv-app1 127.0.0.1:18001
  server srv-app2 127.0.0.1:18002
  server srv-app3 127.0.0.1:18003
CONF
  haproxy -c -q -f "$W/haproxy.cfg"
  haproxy -D -p "$W/haproxy.pid" -f "$W/haproxy.cfg" </dev/null >/dev/null 2>>"$W/haproxy.log"
  waitfor busybox wget -q -O /dev/null http://127.0.0.1:18020/
  waitfor test -S "$W/haproxy.sock"
  echo "traffic peers up in $W"
}

# A real reload: a new HAProxy process takes over (-sf) and starts from the config, forgetting runtime state.
reload_haproxy() {
  local old; old=$(cat "$W/haproxy.pid")
  haproxy -D -p "$W/haproxy.pid" -f "$W/haproxy.cfg" -sf "$old" </dev/null >/dev/null 2>>"$W/haproxy.log"
  for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  waitfor test -S "$W/haproxy.sock"
}

# An nginx from PREFIX/conf/nginx.conf (daemon; its master recorded in DIR/pids).
nginx_start() {
  local p=${1:?prefix}
  nginx -p "$p" -c conf/nginx.conf -e logs/error.log </dev/null >/dev/null 2>>"$p/logs/start.log" \
    || { cat "$p/logs/start.log" >&2; return 1; }
  waitfor test -s "$p/logs/nginx.pid"
  cat "$p/logs/nginx.pid" >> "$W/pids"
}

haproxy_start() {
  local cfg=${1:?config} pid=${2:?pid file}
  haproxy -D -p "$pid" -f "$cfg" </dev/null >/dev/null 2>>"$cfg.log" || { cat "$cfg.log" >&2; return 1; }
  cat "$pid" >> "$W/pids"
}

# Stops the process named by PIDFILE and waits until it is gone.
stop_pid() {
  local f=${1:?pid file} p
  [ -f "$f" ] || return 0
  p=$(cat "$f")
  kill "$p" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  reload-haproxy) reload_haproxy ;;
  reload-nginx) "${NGX[@]}" -s reload </dev/null >/dev/null ;;
  nginx-start) nginx_start "${3:-}" ;;
  haproxy-start) haproxy_start "${3:-}" "${4:-}" ;;
  stop-pid) stop_pid "${3:-}" ;;
  *) echo "traffic-peers.sh: unknown command $cmd" >&2; exit 2 ;;
esac

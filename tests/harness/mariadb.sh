#!/usr/bin/env bash
# A private MariaDB server for tests, on 127.0.0.1, never the system one (no system service is started).
#   mariadb.sh start DIR PORT [PASSWORD]   install the data dir (once) + start; prints the server PID; writes
#                                          DIR/env. User ncb@127.0.0.1 (PASSWORD, default ncb-test-pw) may
#                                          create and drop any database; root is reachable on DIR/sock only.
#   mariadb.sh stop DIR                    stop that server by its PID file, then remove DIR
# utf8mb4 is the server default: with --no-defaults MariaDB would pick latin1, which NocoBase cannot use.
set -euo pipefail
cmd=${1:?usage: mariadb.sh start DIR PORT [PASSWORD] | stop DIR}; dir=${2:?DIR}
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || {
  echo "mariadb.sh: MariaDB server not installed (scripts/deps mariadb)" >&2; exit 1; }
case "$cmd" in
start)
  port=${3:?PORT}; pw=${4:-ncb-test-pw}
  mkdir -p "$dir"; chmod 700 "$dir"
  if [ ! -d "$dir/data/mysql" ]; then
    mariadb-install-db --no-defaults --user=root --datadir="$dir/data" --auth-root-authentication-method=socket \
      --skip-test-db >"$dir/install.log" 2>&1 || { tail -20 "$dir/install.log" >&2; exit 1; }
  fi
  setsid /usr/sbin/mariadbd --no-defaults --user=root --datadir="$dir/data" --socket="$dir/sock" --port="$port" \
    --bind-address=127.0.0.1 --pid-file="$dir/pid" --log-error="$dir/err.log" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --innodb-flush-log-at-trx-commit=0 \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 300); do
    mariadb --no-defaults -uroot -S "$dir/sock" -e 'select 1' >/dev/null 2>&1 && break; sleep 0.1
  done
  mariadb --no-defaults -uroot -S "$dir/sock" -e 'select 1' >/dev/null 2>&1 || {
    echo "mariadb.sh: server did not start; its log:" >&2; tail -20 "$dir/err.log" >&2; exit 1; }
  mariadb --no-defaults -uroot -S "$dir/sock" -e "CREATE USER IF NOT EXISTS 'ncb'@'127.0.0.1' IDENTIFIED BY '$pw';
    GRANT ALL ON *.* TO 'ncb'@'127.0.0.1'; FLUSH PRIVILEGES;"
  printf 'MYSQL_HOST=127.0.0.1\nMYSQL_PORT=%s\nMYSQL_USER=ncb\nMYSQL_SOCK=%s\n' "$port" "$dir/sock" >"$dir/env"
  cat "$dir/pid"
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    p=$(cat "$dir/pid"); kill "$p" 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*) echo "mariadb.sh: unknown command $cmd" >&2; exit 2 ;;
esac

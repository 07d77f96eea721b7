#!/usr/bin/env bash
# A minimal npm registry on 127.0.0.1 (tests/harness/npm-registry.py), for plugin add/upgrade from a
# registry without leaving the machine:
#   npm-registry.sh start DIR PORT     serve DIR/packages; waits until it answers; prints its URL
#   npm-registry.sh publish DIR TGZ    put a package tarball where the registry serves it (name and version
#                                      from its package.json)
#   npm-registry.sh stop DIR           stop it (by the PID recorded in DIR/registry.pid)
set -euo pipefail
cmd=${1:?usage: npm-registry.sh start DIR PORT | publish DIR TGZ | stop DIR}; dir=${2:?DIR}
case "$cmd" in
start)
  port=${3:?PORT}
  mkdir -p "$dir/packages"
  python3 "$(dirname "$0")/npm-registry.py" "$dir" "$port" </dev/null >"$dir/registry.log" 2>&1 &
  echo $! > "$dir/registry.pid"
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && { echo "http://127.0.0.1:$port"; exit 0; }
    kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "npm-registry: did not start on port $port: $(tail -3 "$dir/registry.log")" >&2
  exit 1
  ;;
publish)
  tgz=${3:?TGZ}
  meta=$(tar -xzOf "$tgz" package/package.json)
  name=$(jq -r .name <<<"$meta") version=$(jq -r .version <<<"$meta")
  mkdir -p "$dir/packages/$name/-"
  cp "$tgz" "$dir/packages/$name/-/${name##*/}-$version.tgz"
  ;;
stop)
  if [ -f "$dir/registry.pid" ]; then
    pid=$(cat "$dir/registry.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$dir/registry.pid"
  fi
  ;;
*) echo "npm-registry.sh: unknown command $cmd" >&2; exit 2 ;;
esac

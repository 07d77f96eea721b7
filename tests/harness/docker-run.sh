#!/usr/bin/env bash
# Runs a test command against a private dockerd (plus test images and a local registry) and tears it all
# down by PID afterwards, also on failure. Exits 77 (CTest SKIP_RETURN_CODE) only when dockerd cannot start.
#   tests/harness/docker-run.sh [--nocobase] -- COMMAND ARGS...
# The command sees NCB_DOCKER_SOCK, NCB_DOCKER_WORK, NCB_TEST_REPO, NCB_REGISTRY_PASS_FILE, NCB_DOCKER_TLS*,
# NCB_DOCKER_TCP (the same engine as plain tcp://, through a socat relay), NCB_SSH_* and, with --nocobase, NCB_NOCOBASE_* from tests/harness/docker-nocobase.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=docker-lib.sh
. "$here/docker-lib.sh"
nocobase=0
while [ $# -gt 0 ]; do
  case $1 in --nocobase) nocobase=1; shift ;; --) shift; break ;; *) break ;; esac
done
nocobase_cleanup() { :; }
# shellcheck source=docker-nocobase.sh
[ "$nocobase" = 1 ] && . "$here/docker-nocobase.sh"
trap 'rc=$?; set +e; nocobase_cleanup; docker_cleanup; exit $rc' EXIT
if ! docker_start; then echo "SKIP: dockerd cannot start on this machine" >&2; exit 77; fi
docker_images
registry_start
sshd_start
docker_tcp_relay
export NCB_DOCKER_SOCK=$DW/docker.sock NCB_DOCKER_WORK=$DW NCB_TEST_REPO=$TEST_REPO
export NCB_REGISTRY_PASS_FILE=$DW/registry.pass NCB_DOCKER_TLS=127.0.0.1:$DOCKER_TLS_PORT NCB_DOCKER_TLS_DIR=$DW/tls
export NCB_DOCKER_TCP=127.0.0.1:$DOCKER_TCP_PORT
[ "$nocobase" = 1 ] && nocobase_setup
"$@"

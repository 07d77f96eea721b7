# Sourced by the cluster harnesses: refuse to build a cluster on ports something already listens on. A
# process left by an earlier run that was killed before its teardown (a NocoBase node of a container whose
# dockerd died, an nginx, a postgres) would otherwise answer in place of the new cluster's node: clients see
# the old node's 200 before the run, and a canary "never gets ready" at the new version because the old
# process still holds its port.
# shellcheck shell=bash
ports_free() {  # PORT...: each port has no TCP listener on this machine, else one line naming it and exit 1
  local p line busy=0
  for p in "$@"; do
    line=$(ss -ltnpH "sport = :$p" 2>/dev/null | head -1)
    [ -z "$line" ] && continue
    echo "port $p is already in use ($(grep -o 'users:(.*)' <<<"$line" || echo "$line")): a process left by an earlier run? stop it first" >&2
    busy=1
  done
  return $busy
}

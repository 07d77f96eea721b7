#!/usr/bin/env bash
# An operator's own LB commands, as the `command` traffic driver runs them (here: HAProxy through socat).
# Usage: haproxy-lb-command.sh SOCKET maintenance|live|pin NODE|serve NODE,NODE...|status
# Exit 0 = done; anything else = failed. `status` prints live | maintenance | pinned NODE | serving NODE,NODE...
set -euo pipefail
sock=$1 op=$2 node=${3:-}
hx() { echo "$*" | socat -t 2 - "UNIX-CONNECT:$sock"; }
set_all() {  # $1 = state for be, $2 = servers kept ready (comma list, or empty), be_bypass ready for $3
  local cmds=()
  for s in srv-app1 srv-app2 srv-app3; do
    if [[ ",$2," == *",$s,"* ]]; then cmds+=("set server be/$s state ready"); else cmds+=("set server be/$s state $1"); fi
    if [[ ",$3," == *",$s,"* ]] || [ "$3" = all ]; then cmds+=("set server be_bypass/$s state ready")
    else cmds+=("set server be_bypass/$s state maint"); fi
  done
  local IFS=';'; out=$(hx "${cmds[*]}"); [ -z "$(echo "$out" | tr -d '[:space:]')" ] || { echo "$out" >&2; exit 1; }
}
case "$op" in
  maintenance) set_all maint "" srv-app1 ;;
  live) set_all ready "" all ;;
  pin) [ -n "$node" ] || { echo "pin needs a node" >&2; exit 2; }; set_all maint "srv-$node" "srv-$node" ;;
  serve) [ -n "$node" ] || { echo "serve needs nodes" >&2; exit 2; }
    servers=$(echo "$node" | sed 's/^/srv-/; s/,/,srv-/g'); set_all maint "$servers" "$servers" ;;
  status)
    ready=$(hx "show servers state be" | awk 'NR>2 && $2=="be" && $7==0 {print $4}' | sed 's/^srv-//')
    n=$(echo "$ready" | grep -c . || true)
    if [ "$n" = 0 ]; then echo maintenance; elif [ "$n" = 3 ]; then echo live; elif [ "$n" = 1 ]; then echo "pinned $ready"
    else echo "serving $(echo "$ready" | paste -sd,)"; fi ;;
  *) echo "unknown operation $op" >&2; exit 2 ;;
esac

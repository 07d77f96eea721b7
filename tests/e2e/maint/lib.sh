# Shared by the maint e2e scripts: the upgrade suite's helpers (cluster, LB prober, users) plus plugin
# and per-node API helpers. CTest passes NCBCTL, LB_PROBER, E2E_DIR and the maint ports.
source "$(dirname "${BASH_SOURCE[0]}")/../upgrade/lib.sh"

PLUGIN_PKG=@nocobase/plugin-sample-hello
PLUGIN=sample-hello

node_get() {  # PORT PATH: HTTP status of a GET on one node directly
  curl -s -o /dev/null -m 10 -w '%{http_code}' "http://127.0.0.1:$1$2"
}
all_nodes_answer() {  # PATH STATUS: every node answers STATUS directly
  local p got
  for p in $NODE_PORTS; do
    got=$(node_get "$p" "$1")
    [ "$got" = "$2" ] || fail "node on port $p answers $got for $1, expected $2"
  done
}
db_value() {  # SQL: one value from the cluster's database
  "$HARNESS/cluster.sh" psql "$E2E_DIR" "$1"
}
user_on_node() {  # PORT NAME: how many users NAME node PORT serves (through its own API)
  local t; t=$(token)
  curl -sf -m 10 -G "http://127.0.0.1:$1/api/users:list" -H "Authorization: Bearer $t" \
    --data-urlencode "filter={\"username\":\"$2\"}" | jq '.data | length'
}
# pm:add links the plugin into the shared install's node_modules (the cache in ~/.cache/ncbctl), pointing
# into this cluster's storage: remove that link (only when it points under E2E_DIR).
unlink_plugin() {
  local app link
  app=$("$HARNESS/nocobase-install.sh")
  link=$app/node_modules/$PLUGIN_PKG
  if [ -L "$link" ]; then
    case "$(readlink "$link")" in "$E2E_DIR"/*) rm -f "$link"; note "removed $link" ;; esac
    [ -e "$link" ] || rm -f "$link"  # dangling from an earlier run
  fi
}
# After a plugin upgrade to VERSION: every node serves the new route text, `plugin list` shows VERSION
# enabled on the three nodes, the database records it, and the LB is live.
expect_plugin_version() {
  local version=$1 p body
  for p in $NODE_PORTS; do
    body=$(curl -s -m 10 "http://127.0.0.1:$p/api/testHello:getInfo")
    [ "$body" = "{\"data\":\"Hello hello! $version\"}" ] || fail "node on port $p serves $body after the upgrade"
  done
  "${NC[@]}" plugin list | grep -E "^$PLUGIN " | grep -q "enabled $version .*enabled $version .*enabled $version" ||
    fail "plugin list does not show $PLUGIN enabled $version on the three nodes: $("${NC[@]}" plugin list | grep "$PLUGIN")"
  [ "$(db_value "select version from \"applicationPlugins\" where name = '$PLUGIN'")" = "$version" ] ||
    fail "the database does not record $PLUGIN at $version"
  [ "$(lb_status)" = 200 ] || fail "LB not live after the upgrade"
}

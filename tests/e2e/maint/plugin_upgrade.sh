#!/usr/bin/env bash
# plugin upgrade from a package file (a newer sample-hello built by the harness, with a server migration):
# afterwards every node serves the new code, NocoBase's upgrade ran the plugin's migration exactly once,
# the database records the new version, and clients through the LB saw only 200 or the pinned 503.
source "$(dirname "$0")/lib.sh"
version=${UPGRADE_VERSION:-1.8.28}
pkg=$("$HARNESS/plugin-package.sh" "$E2E_DIR/packages" "$version")
probe=$E2E_DIR/upgrade.probe; : > "$probe"
prober_start "$probe"
start=$(date +%s.%N)
rc=0; "${NC[@]}" --yes plugin upgrade "$pkg" 2> "$E2E_DIR/upgrade.err" || rc=$?
end=$(date +%s.%N)
prober_stop
[ $rc = 0 ] || { tail -20 "$E2E_DIR/upgrade.err" >&2; fail "plugin upgrade exit $rc"; }
expect_plugin_version "$version"
[ "$(db_value 'select count(*) from ncbctl_hello_upgraded')" = 1 ] || fail "the plugin's migration did not run exactly once"
only_200_or_pinned_503 "$probe"

# Bad input, refused before anything changes (exit 2 usage, exit 3 preflight), every node still serving.
rc=0; "${NC[@]}" --yes plugin upgrade "$E2E_DIR/missing.tgz" 2> "$E2E_DIR/bad.err" || rc=$?
[ $rc = 2 ] && grep -q "missing.tgz: no such package file" "$E2E_DIR/bad.err" || fail "missing file: exit $rc, $(cat "$E2E_DIR/bad.err")"
rc=0; env -u NPM_CONFIG_REGISTRY "${NC[@]}" --yes plugin upgrade "$PLUGIN" 2> "$E2E_DIR/bad.err" || rc=$?
[ $rc = 2 ] && grep -q -- "--registry" "$E2E_DIR/bad.err" || fail "no registry: exit $rc, $(cat "$E2E_DIR/bad.err")"
rc=0; "${NC[@]}" --yes plugin upgrade does-not-exist --registry "$(npm config get registry)" 2> "$E2E_DIR/bad.err" || rc=$?
[ $rc = 3 ] && grep -q "no plugin does-not-exist" "$E2E_DIR/bad.err" || fail "unknown plugin: exit $rc, $(tail -3 "$E2E_DIR/bad.err")"
all_nodes_answer /api/testHello:getInfo 200
awk -v a="$start" -v e="$end" -v s="$(window_shape "$probe")" \
  'BEGIN { printf "plugin upgrade: %.1f s until every node serves the new version; LB saw %s\n", e - a, s }'

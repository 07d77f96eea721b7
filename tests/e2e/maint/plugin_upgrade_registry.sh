#!/usr/bin/env bash
# plugin upgrade from an npm registry (a minimal one on loopback, tests/harness/npm-registry.sh, holding a
# newer sample-hello): `plugin upgrade NAME --registry URL` without a version takes the registry's latest;
# every node serves it afterwards, the database records it, and clients through the LB saw only 200 or the
# pinned 503. A version or a package the registry lacks is refused in preflight, nothing changed.
source "$(dirname "$0")/lib.sh"
version=${REGISTRY_VERSION:-1.8.29}
reg_dir=$E2E_DIR/registry
reg_port=${REGISTRY_PORT:-13297}
"$HARNESS/npm-registry.sh" stop "$reg_dir"  # one left by an interrupted run
registry=$("$HARNESS/npm-registry.sh" start "$reg_dir" "$reg_port")
trap 'prober_stop; "$HARNESS/npm-registry.sh" stop "$reg_dir"' EXIT
"$HARNESS/npm-registry.sh" publish "$reg_dir" "$("$HARNESS/plugin-package.sh" "$E2E_DIR/packages" "$version")"

probe=$E2E_DIR/registry.probe; : > "$probe"
prober_start "$probe"
start=$(date +%s.%N)
rc=0; "${NC[@]}" --yes plugin upgrade "$PLUGIN" --registry "$registry" 2> "$E2E_DIR/registry.err" || rc=$?
end=$(date +%s.%N)
prober_stop
[ $rc = 0 ] || { tail -20 "$E2E_DIR/registry.err" >&2; fail "plugin upgrade from the registry: exit $rc"; }
grep -q "GET /@nocobase/plugin-sample-hello/-/plugin-sample-hello-$version.tgz" "$reg_dir/requests.log" ||
  fail "the canary did not download $version from the registry: $(cat "$reg_dir/requests.log")"
expect_plugin_version "$version"
only_200_or_pinned_503 "$probe"

# What the registry lacks fails in preflight (exit 3), asked from here before any node stops.
rc=0; "${NC[@]}" --yes plugin upgrade "$PLUGIN@9.9.9" --registry "$registry" 2> "$E2E_DIR/registry-bad.err" || rc=$?
[ $rc = 3 ] && grep -q "has no version 9.9.9 of $PLUGIN_PKG (latest: $version)" "$E2E_DIR/registry-bad.err" ||
  fail "a version the registry lacks: exit $rc, $(tail -3 "$E2E_DIR/registry-bad.err")"
rc=0; "${NC[@]}" --yes plugin add @nocobase/plugin-ncbctl-nope --registry "$registry" 2> "$E2E_DIR/registry-bad.err" || rc=$?
[ $rc = 3 ] && grep -q "has no package @nocobase/plugin-ncbctl-nope" "$E2E_DIR/registry-bad.err" ||
  fail "a package the registry lacks: exit $rc, $(tail -3 "$E2E_DIR/registry-bad.err")"
all_nodes_answer /api/testHello:getInfo 200
[ "$(lb_status)" = 200 ] || fail "LB not live after the refused runs"
awk -v a="$start" -v e="$end" -v s="$(window_shape "$probe")" \
  'BEGIN { printf "plugin upgrade from the registry: %.1f s until every node serves the new version; LB saw %s\n", e - a, s }'

#!/usr/bin/env bash
# Without the commercial Migration manager: exit 3 and one clear line.
source "$(dirname "$0")/lib.sh"
rc=0; "${NC[@]}" migrate rules 2> "$E2E_DIR/migrate.err" || rc=$?
[ $rc = 3 ] || fail "migrate without the plugin: exit $rc, expected 3"
[ "$(wc -l < "$E2E_DIR/migrate.err")" = 1 ] || fail "expected one line: $(cat "$E2E_DIR/migrate.err")"
grep -q "Migration manager" "$E2E_DIR/migrate.err" || fail "message: $(cat "$E2E_DIR/migrate.err")"

#!/usr/bin/env bash
# Fixture: the real local cluster on MariaDB (NCB_DB=mariadb: tests/harness/cluster.sh), two NocoBase nodes
# started on version A with ncbctl itself, plus a record.
source "$(dirname "$0")/../upgrade/lib.sh"
"$HARNESS/cluster.sh" down "$E2E_DIR" || true
"$HARNESS/cluster.sh" up "$E2E_DIR"
grep -q '^  dialect: mariadb$' "$INV" || fail "the inventory is not on MariaDB"
"${NC[@]}" --yes start || fail "ncbctl start (first start) failed"
expect_versions 2.2.14
[ "$(lb_status)" = 200 ] || fail "LB does not answer 200 after start"
create_user e2e_before

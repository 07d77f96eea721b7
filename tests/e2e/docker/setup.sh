#!/usr/bin/env bash
# Fixture: the Docker cluster (tests/harness/docker-cluster.sh), its containers created on A, not started.
source "$(dirname "$0")/lib.sh"
"$DC" down "$E2E_DIR" || true
NCBCTL=$NCBCTL "$DC" up "$E2E_DIR"
"${NC[@]}" validate || fail "ncbctl validate refuses the harness's inventory"

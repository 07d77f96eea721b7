#!/usr/bin/env bash
source "$(dirname "$0")/../upgrade/lib.sh"
"$HARNESS/cluster.sh" down "$E2E_DIR"

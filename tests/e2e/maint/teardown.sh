#!/usr/bin/env bash
source "$(dirname "$0")/lib.sh"
"$HARNESS/cluster.sh" down "$E2E_DIR"
unlink_plugin

#!/usr/bin/env bash
source "$(dirname "$0")/lib.sh"
"$DC" down "$E2E_DIR"

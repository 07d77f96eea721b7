#!/usr/bin/env bash
# Makes sure pm2 is installed in a private cache (never globally) and prints the path of its bin dir.
#   tests/harness/ssh-pm2.sh        -> ~/.cache/ncbctl/pm2/node_modules/.bin
# Installs from scratch with `npm install --prefix` when absent. PM2_HOME is always the caller's business:
# pm2 started without it spawns a daemon in ~/.pm2.
set -euo pipefail
PREFIX=${NCBCTL_PM2_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/ncbctl/pm2}
BIN=$PREFIX/node_modules/.bin
if [ ! -x "$BIN/pm2" ]; then
  command -v npm >/dev/null || { echo "ssh-pm2.sh: npm not found (install nodejs with npm)" >&2; exit 1; }
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error pm2@5 >&2
fi
[ -x "$BIN/pm2" ] || { echo "ssh-pm2.sh: pm2 missing in $BIN after install" >&2; exit 1; }
echo "$BIN"

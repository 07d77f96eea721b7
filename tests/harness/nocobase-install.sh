#!/usr/bin/env bash
# Installs NocoBase 2.2.15 from the npm registry ONCE into a cache outside the repository and prints
# the app directory. Idempotent and safe to run concurrently (flock); the install happens in a temp
# directory that is renamed only when complete, so a half install is never used.
#   NCBCTL_CACHE   cache root (default ~/.cache/ncbctl)
# No database is baked in: tests run `nocobase-cluster.sh app-install` into their own fresh database.
# Required fixes (see docs/nocobase-client.md): --skip-dev-dependencies, resolutions.xlsx=0.18.5,
# --ignore-engines; the registry is always the one npm is configured with.
set -euo pipefail
VERSION=2.2.15
YARN_VERSION=1.22.22
here=$(cd "$(dirname "$0")" && pwd)
cache=${NCBCTL_CACHE:-$HOME/.cache/ncbctl}
root="$cache/nocobase-$VERSION"
app="$root/app"
mkdir -p "$root"

log() { echo "nocobase-install: $*" >&2; }

"$here/../../scripts/deps" nocobase >&2
command -v npm >/dev/null || { log "npm is missing: install a nodejs build that bundles npm"; exit 1; }

exec 9>"$root/.lock"
flock 9

# yarn lives in the cache too (no global install).
yarn_bin="$cache/yarn-$YARN_VERSION/node_modules/.bin/yarn"
if [ ! -x "$yarn_bin" ]; then
  log "installing yarn $YARN_VERSION into $cache/yarn-$YARN_VERSION"
  rm -rf "$cache/yarn-$YARN_VERSION.tmp"
  npm i --prefix "$cache/yarn-$YARN_VERSION.tmp" --no-audit --no-fund "yarn@$YARN_VERSION" >&2
  rm -rf "$cache/yarn-$YARN_VERSION"
  mv "$cache/yarn-$YARN_VERSION.tmp" "$cache/yarn-$YARN_VERSION"
fi

if [ -f "$app/.ncbctl-complete" ]; then
  echo "$app"
  exit 0
fi

registry=$(npm config get registry)
tmp="$root/app.partial"
rm -rf "$tmp" "$app"
log "installing NocoBase $VERSION into $app (several minutes on first run)"
(
  cd "$root"
  # Placeholder DB settings: every run overrides them through the environment (real env beats .env).
  npx -y "create-nocobase-app@$VERSION" app.partial --skip-dev-dependencies -d postgres \
    -e DB_HOST=127.0.0.1 -e DB_PORT=5432 -e DB_DATABASE=nocobase -e DB_USER=nocobase -e DB_PASSWORD=nocobase >&2
  cd "$tmp"
  # plugin-action-import/-export pin xlsx to a tarball on an unreachable CDN: use the registry's 0.18.5.
  node -e 'const f="package.json",j=require("./"+f);j.resolutions=j.resolutions||{};j.resolutions.xlsx="0.18.5";require("fs").writeFileSync(f,JSON.stringify(j,null,2)+"\n")'
  # Project-local yarnrc instead of a machine-wide one; the value comes from npm's configuration.
  printf 'registry "%s"\n' "$registry" > .yarnrc
  PATH="$(dirname "$yarn_bin"):$PATH" "$yarn_bin" install --ignore-engines --non-interactive \
    --registry "$registry" --network-timeout 600000 --cache-folder "$cache/yarn-cache" >&2
)
touch "$tmp/.ncbctl-complete"
mv "$tmp" "$app"
log "done"
echo "$app"

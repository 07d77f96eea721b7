#!/usr/bin/env bash
# plugin-package.sh OUTDIR VERSION: a newer release of @nocobase/plugin-sample-hello, built from the
# published 1.8.27 package the way a plugin author would release one: version bumped, its route answers
# "Hello hello! VERSION", and a server migration that records each run in table ncbctl_hello_upgraded
# (so a test can see that NocoBase's upgrade ran it, and only once). Prints the .tgz path.
# The published package is fetched once with `npm pack` from the configured registry into the cache.
set -euo pipefail
out=${1:?OUTDIR} version=${2:?VERSION}
cache=${NCBCTL_CACHE:-$HOME/.cache/ncbctl}
base=$cache/plugin-sample-hello-1.8.27.tgz
mkdir -p "$cache" "$out"
if [ ! -s "$base" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@nocobase/plugin-sample-hello@1.8.27" --registry "$(npm config get registry)" >/dev/null)
  mv "$tmp"/nocobase-plugin-sample-hello-1.8.27.tgz "$base.tmp" && mv "$base.tmp" "$base"
  rm -rf "$tmp"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$base" -C "$work"
pkg=$work/package
jq --arg v "$version" '.version = $v' "$pkg/package.json" > "$pkg/package.json.new" && mv "$pkg/package.json.new" "$pkg/package.json"
sed -i "s/Hello hello!/Hello hello! $version/" "$pkg/dist/server/index.js"
grep -q "Hello hello! $version" "$pkg/dist/server/index.js" || { echo "plugin-package: route text not found" >&2; exit 1; }
mkdir -p "$pkg/dist/server/migrations"
cat > "$pkg/dist/server/migrations/20261126000000-ncbctl-mark.js" <<'JS'
const { Migration } = require('@nocobase/server');
module.exports = class extends Migration {
  on = 'afterLoad';
  async up() {
    await this.db.sequelize.query('CREATE TABLE IF NOT EXISTS ncbctl_hello_upgraded (at timestamptz DEFAULT now())');
    await this.db.sequelize.query('INSERT INTO ncbctl_hello_upgraded DEFAULT VALUES');
  }
};
JS
tgz=$out/plugin-sample-hello-$version.tgz
tar -czf "$tgz" -C "$work" package
echo "$tgz"

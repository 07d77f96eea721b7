# Sourced by docker-run.sh --nocobase: real NocoBase 2.2.15 for containers of the private dockerd, as
# docs/drivers-docker.md describes. The cached app (nocobase-install.sh) is bind-mounted at its own path
# (its absolute plugin links stay valid), host /usr and /etc read-only, storage in $DW/nb/storage (shared
# storage of the "cluster": the .upgrading marker goes there), a private PostgreSQL on 55402 holding an
# installed database whose applicationVersion is set back to 2.2.14, and two ~10 KB images ncb/nocobase:2.2.14
# and :2.2.15 whose entrypoint start.js runs the server in-process (graceful SIGTERM; no self-upgrade).
# shellcheck shell=bash

NB_PGPORT=${NB_PGPORT:-55402}
NB_PORT=${NB_PORT:-13170}

nocobase_setup() {
  local cluster=$here/nocobase-cluster.sh app
  NB=$DW/nb; mkdir -p "$NB"
  app=$("$here/nocobase-install.sh")
  "$cluster" pg-start "$NB" "$NB_PGPORT" >/dev/null
  NB_PG_STARTED=1
  "$cluster" db-create "$NB" nocobase
  local t0=$SECONDS
  "$cluster" app-install "$NB" nocobase
  echo "docker-nocobase: yarn nocobase install took $((SECONDS - t0)) s" >&2
  psql -X -q -h 127.0.0.1 -p "$NB_PGPORT" -U nocobase -d nocobase -v ON_ERROR_STOP=1 \
    -c "update \"applicationVersion\" set value='2.2.14'"

  local r=$NB/rootfs v
  rm -rf "$r"; mkdir -p "$r"/{usr,etc,tmp,var/tmp,root,app,proc,dev,sys,run,sbin,ncb}; chmod 1777 "$r/tmp" "$r/var/tmp"
  for v in bin lib lib64; do ln -s "usr/$v" "$r/$v"; done  # merged-/usr host; /sbin stays real (docker-init)
  cat >"$r/ncb/start.js" <<'EOF'
'use strict'; // = `nocobase-v1 start` setup (initEnv/.env, generateAppDir, rm SOCKET_PATH+PM2_HOME), server in THIS process
const path = require('path'), fs = require('fs'), root = process.env.APP_ROOT || '/app';
process.chdir(root);
const util = require(path.join(root, 'node_modules/@nocobase/cli-v1/src/util'));
util.initEnv(); util.generateAppDir();
for (const p of [process.env.SOCKET_PATH, process.env.PM2_HOME]) fs.rmSync(p, { recursive: true, force: true });
// Image A stands for 2.2.14, whose upgrade at a database recorded at 2.2.14 is a no-op: it consumes a marker
// left by a rollback (the code is 2.2.15's, so running app.upgrade() here would move the database on).
if (process.env.NCB_IMAGE_VERSION === '2.2.14' && process.env.STORAGE_PATH)
  fs.rmSync(path.join(process.env.STORAGE_PATH, '.upgrading'), { force: true });
const main = path.join(process.env.APP_PACKAGE_ROOT, 'lib/index.js');
process.argv = [process.argv[0], main, 'start', ...process.argv.slice(2)];
require(main);
EOF
  tar --numeric-owner -C "$r" -cf "$NB/rootfs.tar" .
  for v in 2.2.14 2.2.15; do
    DOCKER_HOST=unix://$DW/docker.sock docker import -c "LABEL org.nocobase.version=$v" -c "ENV NCB_IMAGE_VERSION=$v" \
      -c 'WORKDIR /app' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENV APP_LAUNCH_MODE=node' -c 'CMD ["node","--preserve-symlinks","/ncb/start.js"]' \
      "$NB/rootfs.tar" "ncb/nocobase:$v" >/dev/null
  done

  # The node container's own environment (what nocobase-cluster.sh gives its host nodes, plus the
  # container-private socket and pm2 dirs).
  {
    printf '%s\n' "APP_ENV=production" "APP_KEY=$(cat "$NB/app_key")" "APP_PORT=$NB_PORT" "APP_ROOT=$app" \
      "DB_DIALECT=postgres" "DB_HOST=127.0.0.1" "DB_PORT=$NB_PGPORT" "DB_DATABASE=nocobase" \
      "DB_USER=nocobase" "DB_PASSWORD=nocobase" "DB_LOGGING=off" "STORAGE_PATH=$NB/storage" \
      "PLUGIN_STORAGE_PATH=$NB/storage/plugins" "TZ=UTC" "DB_TIMEZONE=+00:00" "LOGGER_TRANSPORT=console" \
      "SOCKET_PATH=/tmp/ncb-n1.sock" "PM2_HOME=/tmp/ncb-n1.pm2"
  } >"$NB/container.env"
  chmod 600 "$NB/container.env"
  export NCB_NOCOBASE_APP=$app NCB_NOCOBASE_STORAGE=$NB/storage NCB_NOCOBASE_ENV=$NB/container.env
  export NCB_NOCOBASE_PORT=$NB_PORT NCB_NOCOBASE_PGPORT=$NB_PGPORT
}

nocobase_cleanup() {
  [ -n "${NB_PG_STARTED:-}" ] || return 0
  docker_remove_containers
  "$here/nocobase-cluster.sh" pg-stop "$DW/nb" || true
}

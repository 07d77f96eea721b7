#!/usr/bin/env bash
# An upgrade of a two-node docker-compose cluster (tests/harness/docker-cluster.sh compose-up): each node its
# own compose project run by the real docker-compose 1.29, reached over SSH (preset docker-compose); the
# container cluster is stopped first (they share the database and storage). `start` (app1 first), then
# `upgrade --to 2.2.15`: the tag rewritten in each project's .env, both services recreated on the B image,
# NocoBase's upgrade run once, clients through nginx saw only 200, 503 + Retry-After, 200; the record written
# before is still there. The compose cluster is stopped at the end.
source "$(dirname "$0")/lib.sh"
CINV=$E2E_DIR/compose.yaml
NCC=("$NCBCTL" -i "$CINV" --state-dir "$E2E_DIR/state" --no-color)
COMPOSE_PORTS=${COMPOSE_PORTS:-"13314 13315"}
CREPO=127.0.0.1:${COMPOSE_REGISTRY_PORT:-13393}/ncb/nocobase
compose_versions() { local p out=""; for p in $COMPOSE_PORTS; do out+="$(node_version "$p") "; done; echo "${out% }"; }
expect_compose_versions() {  # VERSION: both compose nodes answer getInfo at VERSION (waits up to 120 s)
  local i got
  for i in $(seq 240); do got=$(compose_versions); [ "$got" = "$1 $1" ] && return 0; sleep 0.5; done
  fail "compose nodes report '$got', expected $1 on both"
}
service_images() {  # the image of each project's `app` container, by compose's labels
  local i out=""
  for i in 1 2; do
    out+="$(dapi "http://d/v1.41/containers/json?all=1&filters=$(jq -rn --arg p "app$i" \
      '{label: ["com.docker.compose.project=\($p)", "com.docker.compose.service=app"]} | tojson | @uri')" |
      jq -r '[.[].Image] | join(",")') "
  done
  echo "${out% }"
}

note "stop the container cluster; the database back to A; the compose projects beside it"
"${NC[@]}" --yes -q stop || fail "ncbctl stop of the container cluster failed"
"$DC" reset-a "$E2E_DIR"
[ -f "$CINV" ] || NCBCTL=$NCBCTL "$DC" compose-up "$E2E_DIR"
sed -i 's/^APP_TAG=.*/APP_TAG=2.2.14/' "$E2E_DIR"/compose/app*/.env  # a re-run starts from A too
"${NCC[@]}" validate || fail "ncbctl validate refuses the compose inventory"

rc=0; "${NCC[@]}" --yes start > "$E2E_DIR/compose-start.out" 2> "$E2E_DIR/compose-start.err" || rc=$?
[ $rc = 0 ] || { tail -20 "$E2E_DIR/compose-start.err" >&2; fail "start of the compose cluster: exit $rc"; }
expect_compose_versions 2.2.14
[ "$(service_images)" = "$CREPO:2.2.14 $CREPO:2.2.14" ] || fail "compose services run '$(service_images)'"
create_user e2e_compose_before

probe=$E2E_DIR/compose.probe; : > "$probe"
prober_start "$probe"
rc=0; "${NCC[@]}" --yes upgrade --to 2.2.15 > "$E2E_DIR/compose-upgrade.out" 2> "$E2E_DIR/compose-upgrade.err" || rc=$?
sleep 1; prober_stop
[ $rc = 0 ] || { tail -20 "$E2E_DIR/compose-upgrade.err" >&2; fail "compose upgrade exit $rc"; }
expect_compose_versions 2.2.15
[ "$(service_images)" = "$CREPO:2.2.15 $CREPO:2.2.15" ] || fail "after the upgrade compose runs '$(service_images)'"
for i in 1 2; do
  grep -qx 'APP_TAG=2.2.15' "$E2E_DIR/compose/app$i/.env" || fail "app$i's .env does not say APP_TAG=2.2.15"
  grep -qx '# the tag ncbctl edits' "$E2E_DIR/compose/app$i/.env" || fail "app$i's .env lost its other lines"
done
shape=$(window_shape "$probe")
[ "$shape" = AMA ] || { bad_answers "$probe" >&2; fail "clients saw '$shape' through nginx, expected AMA"; }
user_exists e2e_compose_before || fail "the record written before the upgrade is gone"
[ "$("$DC" psql "$E2E_DIR" "select value from \"applicationVersion\"")" = 2.2.15 ] || fail "the database is not at 2.2.15"
[ ! -e "$(cat "$E2E_DIR/nb.dir")/storage/.upgrading" ] || fail "the upgrade marker is still there"
"${NCC[@]}" --yes -q stop || fail "ncbctl stop of the compose cluster failed"
echo "compose: two-node upgrade ok; 503 window seen by clients: $(window_seconds "$probe") s"
grep -E '503 window' "$E2E_DIR/compose-upgrade.out" >&2 || true

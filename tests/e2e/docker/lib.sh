# Shared by the Docker e2e scripts (tests/harness/docker-cluster.sh): the upgrade suite's helpers (LB
# prober, window shape, users, versions) on the Docker cluster's ports. CTest passes NCBCTL, LB_PROBER, E2E_DIR.
export LBPORT=${LBPORT:-13390} NODE_PORTS=${NODE_PORTS:-"13311 13312 13313"}
CANARY_READY=${CANARY_READY:-45s}  # a container's boot is a little slower than a process's
source "$(dirname "${BASH_SOURCE[0]}")/../upgrade/lib.sh"
DC=$HARNESS/docker-cluster.sh
user_exists() {  # NAME: looked up on the database itself
  [ "$("$DC" psql "$E2E_DIR" "select count(*) from users where username = '$1'")" = 1 ]
}
dapi() { curl -sS --unix-socket "$E2E_DIR/dk/docker.sock" "$@"; }
image_of() { dapi "http://d/v1.41/containers/$1/json" | jq -r .Config.Image; }
images() { local i out=""; for i in 1 2 3; do out+="$(image_of "ncb-app$i") "; done; echo "${out% }"; }
expect_images() {  # TAG: the three node containers run ncb/nocobase:TAG
  local want="ncb/nocobase:$1 ncb/nocobase:$1 ncb/nocobase:$1" got; got=$(images)
  [ "$got" = "$want" ] || fail "containers run '$got', expected $want"
}
reset_to_a() {
  note "reset: stop, containers and database back to A, start"
  "${NC[@]}" --yes -q stop || fail "ncbctl stop failed during reset"
  "$DC" reset-a "$E2E_DIR"
  "${NC[@]}" --yes -q start || fail "ncbctl start failed during reset"
  expect_versions 2.2.14
}

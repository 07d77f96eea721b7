#!/usr/bin/env bash
# Bad input around in-app maintenance, on the real cluster: invalid credentials and an API that does not
# answer. Each is one line naming the node and what to do, exit 3 (preflight), and the cluster stays live
# (nothing was pinned or stopped).
source "$(dirname "$0")/lib.sh"
bad=$E2E_DIR/bad-input; mkdir -p "$bad"
expect_preflight() {  # INVENTORY PATTERN LABEL
  local rc=0
  "$NCBCTL" -i "$1" --state-dir "$E2E_DIR/state" --no-color --yes plugin disable "$PLUGIN" > "$bad/err" 2>&1 || rc=$?
  [ $rc = 3 ] || { tail -5 "$bad/err" >&2; fail "$3: exit $rc, expected 3"; }
  grep -E "^  failed: " "$bad/err" | grep -q -E "$2" || fail "$3: no one-line reason matching '$2': $(grep failed "$bad/err")"
  grep -q "node app1: node app1" "$bad/err" && fail "$3: the node is named twice"
  grep -q "nothing was changed" "$bad/err" || fail "$3: the summary does not say nothing was changed"
  [ "$(lb_status)" = 200 ] || fail "$3: LB not live afterwards"
  all_nodes_answer /api/app:getInfo 200
}

# A wrong password: sign-in refused (the secret itself never printed).
printf 'not-the-password\n' > "$bad/password"; chmod 600 "$bad/password"
sed "s|password_file: .*|password_file: $bad/password|" "$INV" > "$bad/wrong-password.yaml"
expect_preflight "$bad/wrong-password.yaml" "app1: .*(sign|auth|password|401)" "wrong password"
grep -q "not-the-password" "$bad/err" && fail "the password appears in the output"

# The canary's API does not answer (a port nothing listens on).
sed "0,/^    url: .*/s||    url: http://127.0.0.1:9|" "$INV" > "$bad/api-down.yaml"
grep -q "url: http://127.0.0.1:9$" "$bad/api-down.yaml" || fail "could not point app1 at a closed port"
expect_preflight "$bad/api-down.yaml" "app1: .*(connect|refused|not ready)" "API down"

# The load balancer's URL does not answer.
sed "s|lb_url: .*|lb_url: http://127.0.0.1:9|" "$INV" > "$bad/lb-down.yaml"
expect_preflight "$bad/lb-down.yaml" "load balancer http://127.0.0.1:9 \\(api.lb_url\\) does not answer" "LB down"
note "bad input: wrong password, API down, LB down refused in preflight (exit 3), cluster live"

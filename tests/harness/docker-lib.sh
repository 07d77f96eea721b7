# Sourced by tests/harness/docker-run.sh and bench/docker: a private dockerd, local test images, a local
# registry. Everything lives under $DW (a short /tmp/ncbctl-docker-* dir: unix sockets < 108 chars) and is
# stopped by PID in docker_cleanup (call it from an EXIT trap).
# shellcheck shell=bash

DOCKER_REGISTRY_PORT=${DOCKER_REGISTRY_PORT:-13198}
DOCKER_SSH_PORT=${DOCKER_SSH_PORT:-13197}
DOCKER_TLS_PORT=${DOCKER_TLS_PORT:-13196}
DOCKER_TCP_PORT=${DOCKER_TCP_PORT:-13195}
TEST_REPO=127.0.0.1:$DOCKER_REGISTRY_PORT/ncb-test/app   # loopback registries are plain HTTP for dockerd

dapi() { curl -sS --unix-socket "$DW/docker.sock" -H 'Content-Type: application/json' "$@"; }
dwait() { for _ in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# A throwaway CA, a server certificate for 127.0.0.1 and a client certificate (tcp:// + TLS endpoint).
tls_certs() {
  local t=$DW/tls n
  mkdir -p "$t"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=ncb-test-ca \
    -keyout "$t/ca-key.pem" -out "$t/ca.pem" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$t/server.ext"
  printf 'extendedKeyUsage=clientAuth\n' >"$t/client.ext"
  for n in server client; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=ncb-$n" \
      -keyout "$t/$n-key.pem" -out "$t/$n.csr" 2>/dev/null
    openssl x509 -req -in "$t/$n.csr" -CA "$t/ca.pem" -CAkey "$t/ca-key.pem" -CAcreateserial -days 2 \
      -extfile "$t/$n.ext" -out "$t/$n.pem" 2>/dev/null
  done
}

# Starts dockerd (unix socket + TLS-verified tcp://127.0.0.1:$DOCKER_TLS_PORT); returns 1 (with dockerd.log
# shown) when it cannot start on this machine.
docker_start() {
  DW=${DW:-$(mktemp -d /tmp/ncbctl-docker-XXXX)}; chmod 755 "$DW"; export DW
  command -v dockerd >/dev/null || { echo "docker harness: dockerd not installed (scripts/deps docker)" >&2; return 1; }
  tls_certs
  dockerd --data-root "$DW/data" --exec-root "$DW/exec" --pidfile "$DW/dockerd.pid" -H "unix://$DW/docker.sock" \
    -H "tcp://127.0.0.1:$DOCKER_TLS_PORT" --tlsverify --tlscacert "$DW/tls/ca.pem" --tlscert "$DW/tls/server.pem" \
    --tlskey "$DW/tls/server-key.pem" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false >"$DW/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  if ! dwait curl -sf --unix-socket "$DW/docker.sock" http://d/_ping; then
    echo "docker harness: dockerd did not answer /_ping; its log:" >&2; tail -n 20 "$DW/dockerd.log" >&2; return 1
  fi
  if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then echo "docker harness: dockerd exited" >&2; return 1; fi
}

# Two tags of a ~2 MB busybox image that differ in a served file, an ENV, a LABEL and the CMD.
docker_images() {
  local r=$DW/rootfs v
  rm -rf "$r"; mkdir -p "$r"/{bin,etc,tmp,www,data,sbin,proc,dev,sys}; chmod 1777 "$r/tmp"
  cp /bin/busybox "$r/bin/"
  for a in sh httpd sleep cat echo ls env test wget true false; do ln -sf busybox "$r/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
  for v in 1.0 2.0; do
    echo "$v" >"$r/www/version"
    tar --numeric-owner -C "$r" -cf "$DW/rootfs-$v.tar" .
    DOCKER_HOST=unix://$DW/docker.sock docker import \
      -c "ENV IMG_VERSION=$v" -c "ENV SHARED=image-$v" -c "LABEL org.test.version=$v" -c "LABEL shared=image-$v" \
      -c 'WORKDIR /www' -c "CMD [\"sh\",\"-c\",\"exec httpd -f -h /www -p 127.0.0.1:\${APP_PORT:-13160} # image-$v\"]" \
      "$DW/rootfs-$v.tar" "$TEST_REPO:$v" >/dev/null
  done
}

# A registry on 127.0.0.1:$DOCKER_REGISTRY_PORT with htpasswd auth (user ncb / password in $DW/registry.pass)
# holding $TEST_REPO:3.0, which is then removed from the engine so a pull has to fetch it.
registry_start() {
  command -v docker-registry >/dev/null || { echo "docker harness: docker-registry not installed" >&2; return 1; }
  head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DW/registry.pass"
  htpasswd -Bbn ncb "$(cat "$DW/registry.pass")" >"$DW/htpasswd"
  printf '%s\n' 'version: 0.1' 'log: {level: warn}' 'storage:' '  filesystem:' "    rootdirectory: $DW/registry" \
    'http:' "  addr: 127.0.0.1:$DOCKER_REGISTRY_PORT" 'auth:' '  htpasswd:' '    realm: ncb' \
    "    path: $DW/htpasswd" >"$DW/registry.yml"
  docker-registry serve "$DW/registry.yml" >"$DW/registry.log" 2>&1 &
  REGISTRY_PID=$!
  dwait curl -s -o /dev/null "http://127.0.0.1:$DOCKER_REGISTRY_PORT/v2/" || { tail "$DW/registry.log" >&2; return 1; }
  local auth
  auth=$(printf '{"username":"ncb","password":"%s","serveraddress":"127.0.0.1:%s"}' "$(cat "$DW/registry.pass")" \
    "$DOCKER_REGISTRY_PORT" | base64 -w0 | tr '+/' '-_')
  dapi -X POST "http://d/v1.41/images/$TEST_REPO:1.0/tag?repo=$TEST_REPO&tag=3.0" >/dev/null
  dapi -X POST -H "X-Registry-Auth: $auth" "http://d/v1.41/images/$TEST_REPO:3.0/push" >"$DW/push.log"
  if grep -q '"error"' "$DW/push.log"; then echo "docker harness: push failed: $(tail -c 300 "$DW/push.log")" >&2; return 1; fi
  dapi -X DELETE "http://d/v1.41/images/$TEST_REPO:3.0" >/dev/null
}

# sshd on 127.0.0.1:$DOCKER_SSH_PORT as root, key-only, for ssh:// endpoints (the engine socket is forwarded).
# Root's .bashrc is hidden in a private mount namespace (it can cost ~1 s per ssh session here).
sshd_start() {
  local s=$DW/ssh
  mkdir -p "$s"; mkdir -p -m 0755 /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$s/hostkey"; ssh-keygen -q -t ed25519 -N '' -f "$s/id"
  cp "$s/id.pub" "$s/authorized_keys"; : >"$s/empty_bashrc"
  printf '%s\n' "Port $DOCKER_SSH_PORT" 'ListenAddress 127.0.0.1' "HostKey $s/hostkey" "PidFile $s/sshd.pid" \
    "AuthorizedKeysFile $s/authorized_keys" 'StrictModes no' 'PermitRootLogin prohibit-password' \
    'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'UsePAM no' 'AllowStreamLocalForwarding yes' \
    >"$s/sshd_config"
  unshare -m --propagation private sh -c "[ -f /root/.bashrc ] && mount --bind $s/empty_bashrc /root/.bashrc; \
    exec /usr/sbin/sshd -D -e -f $s/sshd_config" >"$s/sshd.log" 2>&1 &
  SSHD_PID=$!
  echo "[127.0.0.1]:$DOCKER_SSH_PORT $(cut -d' ' -f1-2 "$s/hostkey.pub")" >"$s/known_hosts"
  dwait ssh -F /dev/null -p "$DOCKER_SSH_PORT" -i "$s/id" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o UserKnownHostsFile="$s/known_hosts" root@127.0.0.1 true || { tail "$s/sshd.log" >&2; return 1; }
  export NCB_SSH_PORT=$DOCKER_SSH_PORT NCB_SSH_ID=$s/id NCB_SSH_KNOWN_HOSTS=$s/known_hosts
}

docker_remove_containers() {
  local id
  [ -n "${DW:-}" ] && [ -S "$DW/docker.sock" ] || return 0
  for id in $(dapi 'http://d/v1.41/containers/json?all=1' |
    python3 -c 'import json,sys;[print(c["Id"]) for c in json.load(sys.stdin)]' 2>/dev/null); do
    dapi -X POST "http://d/v1.41/containers/$id/stop?t=20" >/dev/null 2>&1   # graceful first
    dapi -X DELETE "http://d/v1.41/containers/$id?force=1&v=1" >/dev/null 2>&1
  done
}

docker_kill_tree() {  # PID: the process and all its descendants, SIGKILL
  local c
  for c in $(pgrep -P "$1"); do docker_kill_tree "$c"; done
  kill -KILL "$1" 2>/dev/null
}

# A plain tcp://127.0.0.1:$DOCKER_TCP_PORT endpoint of the same engine: socat relaying it to the unix socket, as
# an SSH tunnel or a TCP proxy in front of a dockerd would. -t 600: after one side half-closes, the other
# direction stays open (a hijacked exec's stdin ends while the tool's output still flows back).
docker_tcp_relay() {
  socat -t 600 "TCP-LISTEN:$DOCKER_TCP_PORT,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$DW/docker.sock" &
  TCP_RELAY_PID=$!
  dwait curl -sf "http://127.0.0.1:$DOCKER_TCP_PORT/_ping" ||
    { echo "docker harness: the tcp relay on $DOCKER_TCP_PORT did not answer" >&2; return 1; }
}

docker_cleanup() {
  set +e
  docker_remove_containers
  # the relay and the per-connection children it forked
  if [ -n "${TCP_RELAY_PID:-}" ]; then docker_kill_tree "$TCP_RELAY_PID"; wait "$TCP_RELAY_PID" 2>/dev/null; fi
  if [ -n "${SSHD_PID:-}" ]; then kill "$SSHD_PID" 2>/dev/null; wait "$SSHD_PID" 2>/dev/null; fi
  if [ -n "${REGISTRY_PID:-}" ]; then kill "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null; fi
  if [ -n "${DOCKERD_PID:-}" ]; then
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null
  fi
  if [ -n "${DW:-}" ]; then
    # A dockerd that died (or was killed above) leaves its containers' shims and their processes running,
    # and with host networking they keep the nodes' ports: stop them, shim and all its descendants.
    local shim
    for shim in $(pgrep -f "containerd-shim.*$DW/"); do docker_kill_tree "$shim"; done
    umount "$DW/exec/netns/default" 2>/dev/null
    # overlay mounts of containers killed with dockerd
    grep -o " $DW/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
    [ -n "${KEEP_DW:-}" ] || rm -rf "$DW"
  fi
}

#!/usr/bin/env bash
# Real SSH peers for the ssh integration tests and bench/ssh. Nothing on the system is changed apart
# from /run/sshd (sshd's privilege separation dir, created when missing and left in place: other tests'
# sshds may be using it).
#   ssh-peers.sh up   DIR [NHOSTS]   start everything, write DIR/env (KEY=VALUE lines), exit 0 when ready
#   ssh-peers.sh down DIR            stop everything `up` started (by PID), delete netns/veths/bridge, rm DIR
# Peers: sshd on 127.0.0.1:2201 (root's .bashrc hidden in a private mount ns), NHOSTS (default 3) hosts
# in netns ncb-ssh-hN (10.200.1.(N+1), hostname ncb-nodeN, private /srv, sshd as PID 1), a supervisord
# with program ncb-sv-app (busybox httpd -v on 127.0.0.1:2251, autostart off; one log line per request), a pm2 daemon (PM2_HOME=DIR/pm2)
# with process ncb-pm2-app (busybox httpd on 127.0.0.1:2252, registered then stopped), and DIR/ctl.sh, the
# service script the tests drive through the `custom` preset (busybox httpd on port 2250).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?usage: ssh-peers.sh up|down DIR [NHOSTS]}
W=${2:?usage: ssh-peers.sh up|down DIR [NHOSTS]}
N=${3:-3}
BR=ncbsshbr0
SSH_PORT=2201

waitfor() { for _ in $(seq 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

down() {
  [ -d "$W" ] || return 0
  if [ -f "$W/pm2/pm2.pid" ]; then
    kill "$(cat "$W/pm2/pm2.pid")" 2>/dev/null || true
    # pm2's daemon stops its children (busybox httpd) when it gets SIGTERM; give it a moment.
    for _ in $(seq 50); do kill -0 "$(cat "$W/pm2/pm2.pid" 2>/dev/null || echo 0)" 2>/dev/null || break; sleep 0.1; done
  fi
  if [ -f "$W/sv/supervisord.pid" ]; then
    p=$(cat "$W/sv/supervisord.pid"); kill "$p" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  fi
  for f in "$W"/pids/*; do  # httpd started through ctl.sh on the loopback host, sshd listeners
    [ -f "$f" ] || continue; kill "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$W"/nspids/*; do  # `unshare -f` ignores SIGTERM: KILL takes the whole host down
    [ -f "$f" ] || continue; kill -KILL "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.3
  for ns in $(ip netns list | awk '{print $1}' | grep '^ncb-ssh-h' || true); do ip netns del "$ns" 2>/dev/null || true; done
  ip link del "$BR" 2>/dev/null || true
  rm -rf "$W"
}

if [ "$cmd" = down ]; then down; exit 0; fi
[ "$cmd" = up ] || { echo "ssh-peers.sh: unknown command $cmd" >&2; exit 2; }

down  # leftovers of an aborted run
mkdir -p "$W"/pids "$W"/nspids "$W"/sv/logs "$W"/www "$W"/pm2 "$W"/lo
trap 'rc=$?; [ $rc -eq 0 ] || { echo "ssh-peers.sh: up failed, tearing down" >&2; down; }' EXIT
mkdir -p -m 0755 /run/sshd
echo node-ok > "$W/www/index.html"

ssh-keygen -q -t ed25519 -N '' -C ncb-host -f "$W/hostkey"
ssh-keygen -q -t ed25519 -N '' -C ncb-other -f "$W/otherkey"
ssh-keygen -q -t ed25519 -N '' -C ncb-user -f "$W/id"
ssh-keygen -q -t ed25519 -N '' -C ncb-wrong -f "$W/wrong_id"
cp "$W/id.pub" "$W/authorized_keys"
: > "$W/empty_bashrc"; : > "$W/known_hosts"; : > "$W/other_known_hosts"
hostkey=$(cut -d' ' -f1-2 "$W/hostkey.pub"); otherkey=$(cut -d' ' -f1-2 "$W/otherkey.pub")

common_sshd() {
  printf '%s\n' "HostKey $W/hostkey" "AuthorizedKeysFile $W/authorized_keys" 'StrictModes no' \
    'PermitRootLogin prohibit-password' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' \
    'UsePAM no' 'UseDNS no' 'MaxStartups 100:30:200' 'MaxSessions 64' 'Subsystem sftp internal-sftp' \
    'AllowStreamLocalForwarding yes'
}

# Loopback "host".
{ printf '%s\n' "Port $SSH_PORT" 'ListenAddress 127.0.0.1' "PidFile $W/lo/sshd.pid"; common_sshd; } > "$W/lo/sshd_config"
/usr/sbin/sshd -t -f "$W/lo/sshd_config"
unshare -m --propagation private sh -c "[ -f /root/.bashrc ] && mount --bind $W/empty_bashrc /root/.bashrc; \
  exec /usr/sbin/sshd -D -e -f $W/lo/sshd_config" </dev/null >"$W/lo/sshd.log" 2>&1 &
echo $! > "$W/pids/sshd-lo"; disown $!
echo "[127.0.0.1]:$SSH_PORT $hostkey" >> "$W/known_hosts"
echo "[127.0.0.1]:$SSH_PORT $otherkey" >> "$W/other_known_hosts"

# Namespace hosts.
ip link add "$BR" type bridge; ip addr add 10.200.1.1/24 dev "$BR"; ip link set "$BR" up
hosts=()
for i in $(seq "$N"); do
  ip=10.200.1.$((i + 1)); ns=ncb-ssh-h$i; mkdir -p "$W/h$i/srv"
  ip netns add "$ns"; ip link add "ncbsshv${i}h" type veth peer name "ncbsshv${i}n"
  ip link set "ncbsshv${i}h" master "$BR" up; ip link set "ncbsshv${i}n" netns "$ns"
  ip -n "$ns" link set "ncbsshv${i}n" name eth0; ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up; ip -n "$ns" link set lo up
  { printf '%s\n' 'Port 22' "PidFile $W/h$i/sshd.pid"; common_sshd; } > "$W/h$i/sshd_config"
  ip netns exec "$ns" unshare -m -u -p -f --kill-child --mount-proc --propagation private sh -c \
    "hostname ncb-node$i; [ -f /root/.bashrc ] && mount --bind $W/empty_bashrc /root/.bashrc; \
     mount --bind $W/h$i/srv /srv; exec /usr/sbin/sshd -D -e -f $W/h$i/sshd_config" \
    </dev/null >"$W/h$i/sshd.log" 2>&1 &
  echo $! > "$W/nspids/h$i"; disown $!
  echo "$ip $hostkey" >> "$W/known_hosts"; echo "$ip $otherkey" >> "$W/other_known_hosts"
  hosts+=("$ip")
done

SSHO=(-F /dev/null -i "$W/id" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=3
      -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$W/known_hosts")
waitfor ssh "${SSHO[@]}" -p "$SSH_PORT" root@127.0.0.1 true
for h in "${hosts[@]}"; do waitfor ssh "${SSHO[@]}" "root@$h" true; done

# The custom-preset service: ctl.sh ACTION DIR PORT NODE [VERSION]. Values arrive as single arguments;
# the script stores them verbatim so the tests can compare what arrived with what was sent.
cat > "$W/ctl.sh" <<'CTL'
#!/bin/sh
set -eu
act=$1 d=$2 port=$3 node=$4
mkdir -p "$d"
alive() { [ -f "$d/pid" ] && p=$(cat "$d/pid") && [ -d "/proc/$p" ] && [ "$(cut -d' ' -f3 "/proc/$p/stat")" != Z ]; }
case $act in
  start) alive && exit 0
         printf '%s' "$node" > "$d/node"; echo node-ok > "$d/index.html"
         setsid nohup busybox httpd -f -p "$port" -h "$d" >"$d/httpd.log" 2>&1 </dev/null &
         echo $! > "$d/pid" ;;
  stop) alive || { rm -f "$d/pid"; exit 0; }
        kill "$p"; while alive; do sleep 0.05; done; rm -f "$d/pid" ;;
  status) alive && exit 0; exit 3 ;;
  upgrade) printf '%s' "$5" > "$d/version" ;;
  version) cat "$d/version" 2>/dev/null || true ;;
  *) echo "ctl.sh: unknown action $act" >&2; exit 2 ;;
esac
CTL
chmod 755 "$W/ctl.sh"

# supervisord with one program, started/stopped by the tests through the supervisord preset.
printf '%s\n' '[unix_http_server]' "file=$W/sv/supervisor.sock" '[supervisord]' "logfile=$W/sv/logs/supervisord.log" \
  "pidfile=$W/sv/supervisord.pid" "childlogdir=$W/sv/logs" nodaemon=true silent=true user=root \
  '[rpcinterface:supervisor]' 'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface' \
  '[supervisorctl]' "serverurl=unix://$W/sv/supervisor.sock" '[program:ncb-sv-app]' \
  "command=busybox httpd -f -v -p 127.0.0.1:2251 -h $W/www" autostart=false autorestart=true startsecs=1 \
  stopwaitsecs=10 stopasgroup=true killasgroup=true redirect_stderr=true \
  "stdout_logfile=$W/sv/logs/ncb-sv-app.log" > "$W/sv/supervisord.conf"
supervisord -c "$W/sv/supervisord.conf" </dev/null >"$W/sv/out.log" 2>&1 &
disown $!
waitfor supervisorctl -c "$W/sv/supervisord.conf" pid

# pm2 (private install, private PM2_HOME) with one registered, stopped process.
PM2_BIN=$("$HERE/ssh-pm2.sh")
export PM2_HOME="$W/pm2"
"$PM2_BIN/pm2" start /bin/busybox --name ncb-pm2-app --interpreter none --no-autorestart \
  -- httpd -f -v -p 127.0.0.1:2252 -h "$W/www" </dev/null >"$W/pm2-cli.log" 2>&1
"$PM2_BIN/pm2" stop ncb-pm2-app </dev/null >>"$W/pm2-cli.log" 2>&1

{
  echo "DIR=$W"; echo "SSH_HOST=127.0.0.1"; echo "SSH_PORT=$SSH_PORT"; echo "ID=$W/id"; echo "WRONG_ID=$W/wrong_id"
  echo "KNOWN_HOSTS=$W/known_hosts"; echo "OTHER_KNOWN_HOSTS=$W/other_known_hosts"
  echo "SSHD_PID=$(cat "$W/pids/sshd-lo")"; echo "NS_HOSTS=${hosts[*]}"
  echo "SV_CONF=$W/sv/supervisord.conf"; echo "PM2_BIN=$PM2_BIN"; echo "PM2_HOME=$W/pm2"; echo "CTL=$W/ctl.sh"
} > "$W/env"
echo "ssh-peers: up in $W (sshd 127.0.0.1:$SSH_PORT, ${#hosts[@]} netns hosts)"

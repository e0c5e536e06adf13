#!/usr/bin/env bash
# The demo's VPN server: a real ocserv from Debian's package on 127.0.0.1 only,
# every file under DIR, running the agent's hook as connect- and disconnect-script,
# and real openconnect clients connecting to it one at a time.
#
#   scripts/demo-ocserv.sh start DIR HOOK_CONFIG  # prints the occtl socket path on success
#   scripts/demo-ocserv.sh connect DIR USER PASSWORD
#       prints "connected USER VPN_IP" (the client stays up) or "refused USER"
#       (openconnect exited before ocserv gave it an address: the hook said no)
#   scripts/demo-ocserv.sh disconnect DIR USER      # stops USER's clients
#   scripts/demo-ocserv.sh stop DIR                 # stops every client, then ocserv
#
# Users (password USER-demo): alice, bob, carol, dave, erin; bob, carol and erin in group staff.
#
# Safety, as in the test lab: loopback only, a self-signed certificate pinned by
# the client, max-ban-score = 0, and every client runs with --script /bin/true and
# --no-dtls so the system vpnc-script never touches this machine's routes or DNS.
# Processes are stopped by the pids recorded in DIR (ocserv by its process group).
set -euo pipefail

usage='usage: demo-ocserv.sh start DIR HOOK_CONFIG | connect DIR USER PASSWORD | disconnect DIR USER | stop DIR'
action=${1:?$usage}
dir=${2:?$usage}
clients=$dir/clients
hook=$(cd "$(dirname "$0")/.." && pwd)/dist-hook/ocserv-agent-hook

# SIGTERM to a recorded openconnect pid, if that pid is still our openconnect (a client that
# ended may have left its pid to another process); waits up to 5 s.
stop_client() {
  local pid_file=$1 pid url
  pid=$(cat "$pid_file")
  rm -f "$pid_file"
  url=$(cat "$dir/url" 2>/dev/null) || return 0
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = openconnect ] || return 0
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF " $url " || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  local pid_file
  for pid_file in "$clients"/*.pid; do
    [ -e "$pid_file" ] && stop_client "$pid_file"
  done
  if [ -f "$dir/ocserv.pgid" ]; then
    kill -TERM -- "-$(cat "$dir/ocserv.pgid")" 2>/dev/null || true
    rm -f "$dir/ocserv.pgid"
  fi
  if [ -f "$dir/socket-dir" ]; then
    rm -rf "$(cat "$dir/socket-dir")"
    rm -f "$dir/socket-dir"
  fi
}

connect() {
  local user=${3:?$usage} password=${4:?$usage} n=1 log pid ip
  [ -f "$dir/url" ] && [ -f "$dir/pin" ] || { echo "demo: ocserv is not started in $dir" >&2; exit 1; }
  mkdir -p "$clients"
  while [ -e "$clients/$user.$n.log" ]; do n=$((n + 1)); done
  log=$clients/$user.$n.log
  : >"$log"
  openconnect --non-inter --passwd-on-stdin --user "$user" --servercert "$(cat "$dir/pin")" \
    --script /bin/true --no-dtls --useragent 'demo-client/1.0' "$(cat "$dir/url")" \
    <<<"$password" >"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$clients/$user.$n.pid"
  for _ in $(seq 1 200); do
    ip=$(sed -n 's/.*Configured as \([0-9.]*\).*/\1/p' "$log" | head -n 1)
    if [ -n "$ip" ]; then
      echo "connected $user $ip"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      rm -f "$clients/$user.$n.pid"
      echo "refused $user"
      return 0
    fi
    sleep 0.1
  done
  stop_client "$clients/$user.$n.pid"
  echo "demo: openconnect as $user neither connected nor gave up within 20 s; see $log" >&2
  exit 1
}

case "$action" in
  stop)
    stop
    exit 0
    ;;
  connect)
    connect "$@"
    exit 0
    ;;
  disconnect)
    user=${3:?$usage}
    for pid_file in "$clients/$user".*.pid; do
      [ -e "$pid_file" ] && stop_client "$pid_file"
    done
    echo "disconnected $user"
    exit 0
    ;;
  start) ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac

hook_config=${3:?$usage}
[ -x "$hook" ] || { echo "demo: $hook is missing (bash scripts/build-hook.sh)" >&2; exit 1; }

stop
rm -rf "$clients" "$dir/openconnect.log"
mkdir -p "$dir/config-per-user" "$dir/config-per-group" "$clients"
chmod 755 "$dir" "$dir/config-per-user" "$dir/config-per-group"
# ocserv's workers run as nobody and must reach its sec-mod socket. The checkout may sit
# under a directory nobody cannot enter (mktemp -d makes 0700 dirs: TLS then fails with
# "Permission denied" on the socket), so that socket lives in its own 0755 dir in /tmp.
socket_dir=$(mktemp -d /tmp/ocserv-agent-demo.XXXXXX)
chmod 755 "$socket_dir"
echo "$socket_dir" >"$dir/socket-dir"

if [ ! -f "$dir/server.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$dir/server.key" -out "$dir/server.crt" -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
fi
echo "pin-sha256:$(openssl x509 -in "$dir/server.crt" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)" >"$dir/pin"

: >"$dir/passwd"
chmod 600 "$dir/passwd"
printf 'alice-demo\nalice-demo\n' | ocpasswd -c "$dir/passwd" alice
printf 'bob-demo\nbob-demo\n' | ocpasswd -c "$dir/passwd" -g staff bob
printf 'carol-demo\ncarol-demo\n' | ocpasswd -c "$dir/passwd" -g staff carol
printf 'dave-demo\ndave-demo\n' | ocpasswd -c "$dir/passwd" dave
printf 'erin-demo\nerin-demo\n' | ocpasswd -c "$dir/passwd" -g staff erin

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
echo "https://127.0.0.1:$port/" >"$dir/url"
cat >"$dir/ocserv.conf" <<CONF
auth = "plain[passwd=$dir/passwd]"
listen-host = 127.0.0.1
tcp-port = $port
run-as-user = nobody
run-as-group = nogroup
socket-file = $socket_dir/ocserv.sock
occtl-socket-file = $dir/occtl.sock
pid-file = $dir/ocserv.pid
server-cert = $dir/server.crt
server-key = $dir/server.key
isolate-workers = false
max-clients = 16
max-same-clients = 0
max-ban-score = 0
keepalive = 300
dpd = 60
try-mtu-discovery = false
cookie-timeout = 300
use-occtl = true
log-level = 2
device = vpns
predictable-ips = true
ipv4-network = 192.168.99.0
ipv4-netmask = 255.255.255.0
config-per-user = $dir/config-per-user/
config-per-group = $dir/config-per-group/
connect-script = $hook
disconnect-script = $hook
CONF

# setsid: ocserv and the sec-mod and workers it forks share one process group to stop together.
# ocserv passes its environment to the scripts: that is how the hook finds its config.
OCSERV_AGENT_HOOK_CONFIG=$hook_config setsid /usr/sbin/ocserv -c "$dir/ocserv.conf" -f >"$dir/ocserv.log" 2>&1 &
echo $! >"$dir/ocserv.pgid"
for _ in $(seq 1 100); do
  occtl -s "$dir/occtl.sock" show status >/dev/null 2>&1 && break
  sleep 0.1
done
occtl -s "$dir/occtl.sock" show status >/dev/null 2>&1 || { echo "demo: ocserv did not start; see $dir/ocserv.log" >&2; exit 1; }
echo "$dir/occtl.sock"

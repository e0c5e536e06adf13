#!/usr/bin/env bash
# The demo's VPN server: a real ocserv from Debian's package on 127.0.0.1 only,
# every file under DIR, and one real openconnect client connected to it.
#
#   scripts/demo-ocserv.sh start DIR   # prints the occtl socket path on success
#   scripts/demo-ocserv.sh stop DIR
#
# Safety, as in the test lab: loopback only, a self-signed certificate pinned by
# the client, max-ban-score = 0, and the client runs with --script /bin/true so
# the system vpnc-script never touches this machine's routes or DNS. Processes
# are stopped by the pids recorded in DIR (ocserv by its process group).
set -euo pipefail

action=${1:?usage: demo-ocserv.sh start|stop DIR}
dir=${2:?usage: demo-ocserv.sh start|stop DIR}

stop() {
  if [ -f "$dir/openconnect.pid" ]; then
    kill -TERM "$(cat "$dir/openconnect.pid")" 2>/dev/null || true
    rm -f "$dir/openconnect.pid"
  fi
  if [ -f "$dir/ocserv.pgid" ]; then
    kill -TERM -- "-$(cat "$dir/ocserv.pgid")" 2>/dev/null || true
    rm -f "$dir/ocserv.pgid"
  fi
}

if [ "$action" = stop ]; then
  stop
  exit 0
fi

stop
mkdir -p "$dir/config-per-user" "$dir/config-per-group"
# ocserv's workers run as nobody and must reach the sockets in here.
chmod 755 "$dir" "$dir/config-per-user" "$dir/config-per-group"

if [ ! -f "$dir/server.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$dir/server.key" -out "$dir/server.crt" -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
fi
pin="pin-sha256:$(openssl x509 -in "$dir/server.crt" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"

: >"$dir/passwd"
chmod 600 "$dir/passwd"
printf 'alice-demo\nalice-demo\n' | ocpasswd -c "$dir/passwd" alice
printf 'bob-demo\nbob-demo\n' | ocpasswd -c "$dir/passwd" -g staff bob

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cat >"$dir/ocserv.conf" <<CONF
auth = "plain[passwd=$dir/passwd]"
listen-host = 127.0.0.1
tcp-port = $port
run-as-user = nobody
run-as-group = nogroup
socket-file = $dir/ocserv.sock
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
connect-script = /bin/true
disconnect-script = /bin/true
CONF

# setsid: ocserv and the sec-mod and workers it forks share one process group to stop together.
setsid /usr/sbin/ocserv -c "$dir/ocserv.conf" -f >"$dir/ocserv.log" 2>&1 &
echo $! >"$dir/ocserv.pgid"
for _ in $(seq 1 100); do
  occtl -s "$dir/occtl.sock" show status >/dev/null 2>&1 && break
  sleep 0.1
done
occtl -s "$dir/occtl.sock" show status >/dev/null 2>&1 || { echo "demo: ocserv did not start; see $dir/ocserv.log" >&2; exit 1; }

echo alice-demo | openconnect --non-inter --passwd-on-stdin --user alice --servercert "$pin" \
  --script /bin/true --no-dtls --useragent 'demo-client/1.0' "https://127.0.0.1:$port/" >"$dir/openconnect.log" 2>&1 &
echo $! >"$dir/openconnect.pid"
for _ in $(seq 1 100); do
  grep -q 'Configured as' "$dir/openconnect.log" && break
  sleep 0.1
done
grep -q 'Configured as' "$dir/openconnect.log" || { echo "demo: openconnect did not connect; see $dir/openconnect.log" >&2; exit 1; }
echo "$dir/occtl.sock"

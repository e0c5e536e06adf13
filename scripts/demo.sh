#!/usr/bin/env bash
# Runs the agent locally with docs/agent.example.yaml and a self-signed PKI it
# makes in .demo/, calls it once like the portal would, then keeps it running
# in the foreground until Ctrl-C (which stops it gracefully).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/npm-install.sh
./node_modules/.bin/nest build -p tsconfig.build.json

tls_dir=$PWD/.demo/tls
bash scripts/make-pki.sh "$tls_dir" portal.example.com monitoring.example.com

# A real ocserv on 127.0.0.1 with one real openconnect client, when this machine
# can run one (root: ocserv and openconnect open tun devices).
ocserv_dir=$PWD/.demo/ocserv
config=$PWD/docs/agent.example.yaml
live=0
if [ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ]; then
  socket=$(bash scripts/demo-ocserv.sh start "$ocserv_dir")
  live=1
  # The example config, pointed at the demo ocserv's files.
  config=$PWD/.demo/agent.yaml
  node -e "
    const fs = require('fs'); const YAML = require('yaml');
    const c = YAML.parse(fs.readFileSync('docs/agent.example.yaml', 'utf8'));
    Object.assign(c.ocserv, { socket_file: '$socket', config_per_user_dir: '$ocserv_dir/config-per-user',
      config_per_group_dir: '$ocserv_dir/config-per-group', log: { source: 'file', file: '$ocserv_dir/ocserv.log' } });
    fs.writeFileSync('$config', YAML.stringify(c));"
else
  echo "demo: not root (or no /dev/net/tun): running without a live ocserv; ocserv calls will answer UNAVAILABLE" >&2
fi

export OCSERV_AGENT_CONFIG=$config
export OCSERV_AGENT_GRPC_TLS_CERT_FILE=$tls_dir/server.crt
export OCSERV_AGENT_GRPC_TLS_KEY_FILE=$tls_dir/server.key
export OCSERV_AGENT_GRPC_TLS_CLIENT_CA_FILE=$tls_dir/ca.crt

log_file=$PWD/.demo/agent.log
node dist/main.js >>"$log_file" 2>&1 &
agent_pid=$!
trap 'kill -TERM "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; bash scripts/demo-ocserv.sh stop "$ocserv_dir"' INT TERM EXIT

for _ in $(seq 1 100); do
  if node -e "require('http').get('http://127.0.0.1:9091/health/ready', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"; then
    break
  fi
  if ! kill -0 "$agent_pid" 2>/dev/null; then
    echo "demo: the agent exited during start (is port 9090 or 9091 in use?); its log:" >&2
    tail -n 20 "$log_file" >&2
    exit 1
  fi
  sleep 0.1
done

node scripts/demo-client.js 127.0.0.1:9090 "$tls_dir" "$live"

echo
echo "# The audit lines those calls wrote (one per mutating call, allowed or not):"
grep '"audit":true' "$log_file" | tail -n 6

cat <<MSG

The agent is running (pid $agent_pid):
  gRPC (mTLS)   127.0.0.1:9090   client certs in $tls_dir
  health        http://127.0.0.1:9091/health/ready
  metrics       http://127.0.0.1:9091/metrics
  JSON log      $log_file   (tail -f it)
  ocserv        $( [ "$live" = 1 ] && echo "$ocserv_dir (occtl -s $ocserv_dir/occtl.sock show users)" || echo "not started")
Ctrl-C stops it gracefully.
MSG
[ "${DEMO_EXIT_AFTER_CALLS:-0}" = 1 ] && exit 0
wait "$agent_pid"

#!/usr/bin/env bash
# Runs the whole connection-authorization path locally: a portal simulator (mTLS,
# docs/policy.example.yaml), a real ocserv on 127.0.0.1 running the agent's hook as
# connect-script, the agent (docs/agent.example.yaml pointed at both) and real
# openconnect clients; then calls the agent like the portal would. It keeps running
# until Ctrl-C, which stops everything it started (by pid).
# DEMO_EXIT_AFTER_CALLS=1 exits after the calls (the e2e test uses it).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/npm-install.sh
./node_modules/.bin/nest build -p tsconfig.build.json
bash scripts/build-hook.sh

demo_dir=$PWD/.demo
tls_dir=$demo_dir/tls
portal_client=ocserv-agent.portal-client
bash scripts/make-pki.sh "$tls_dir" portal.example.com monitoring.example.com "$portal_client"

ocserv_dir=$demo_dir/ocserv
agent_log=$demo_dir/agent.log
sim_log=$demo_dir/portal-simulator.log
hook_config=$demo_dir/hook.conf
hook_socket=$demo_dir/hook.sock
agent_pid=
sim_pid=
ocserv_started=0

cleanup() {
  trap - INT TERM EXIT
  if [ -n "$agent_pid" ]; then kill -TERM "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [ "$ocserv_started" = 1 ]; then bash scripts/demo-ocserv.sh stop "$ocserv_dir"; fi
  if [ -n "$sim_pid" ]; then kill -TERM "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
# GET/POST on the simulator's control API (loopback, JSON).
control() { # METHOD PATH [JSON]
  node -e "
    const [method, path, body] = process.argv.slice(1);
    const req = require('http').request({ host: '127.0.0.1', port: $control_port, path, method,
      headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let out = ''; res.on('data', (c) => (out += c));
      res.on('end', () => { if (res.statusCode >= 300) { console.error(out); process.exit(1); } process.stdout.write(out); });
    });
    req.on('error', (e) => { console.error(e.message); process.exit(1); });
    req.end(body);" "$@"
}
check_policy_count() { control GET /records | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).counts.CheckPolicy??0))"; }

# 1. The portal: the simulator answers CheckPolicy from docs/policy.example.yaml, over mTLS
#    with the demo server certificate; the agent's client certificate is signed by the demo CA.
sim_port=$(free_port)
control_port=$(free_port)
: >"$sim_log"
node dist/portal-simulator/main.js --policy docs/policy.example.yaml --listen "127.0.0.1:$sim_port" \
  --cert "$tls_dir/server.crt" --key "$tls_dir/server.key" --ca "$tls_dir/ca.crt" \
  --control "127.0.0.1:$control_port" >>"$sim_log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  grep -q '"msg":"portal simulator listening"' "$sim_log" && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '"msg":"portal simulator listening"' "$sim_log" || { echo "demo: the portal simulator did not start; its log:" >&2; tail -n 20 "$sim_log" >&2; exit 1; }
echo "# Portal simulator on 127.0.0.1:$sim_port (mTLS), policy docs/policy.example.yaml: alice allowed, bob denied (account suspended), group staff allowed, everyone else denied (not in policy)"

# 2. The hook's config: ocserv runs the hook, which asks the agent on this socket.
printf 'socket = %s\ntimeout_ms = 5000\n' "$hook_socket" >"$hook_config"
chmod 644 "$hook_config"

# 3. A real ocserv on 127.0.0.1 running the hook as connect-/disconnect-script, when this
#    machine can run one (root: ocserv and openconnect open tun devices).
live=0
socket=/var/run/occtl.socket
if [ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ]; then
  ocserv_started=1
  socket=$(bash scripts/demo-ocserv.sh start "$ocserv_dir" "$hook_config")
  live=1
else
  echo "demo: not root (or no /dev/net/tun): running without a live ocserv; skipped: ocserv, the hook and the openconnect clients (connects, refusals, cache, outage); ocserv calls will answer UNAVAILABLE; the NotifyConnect calls below still go through the portal" >&2
fi

# 4. The agent: the example config, pointed at the simulator, the hook socket and (live) the demo ocserv.
config=$demo_dir/agent.yaml
node -e "
  const fs = require('fs'); const YAML = require('yaml');
  const [config, live, socket, ocservDir, simAddress, tlsDir, client, hookSocket] = process.argv.slice(1);
  const c = YAML.parse(fs.readFileSync('docs/agent.example.yaml', 'utf8'));
  if (live === '1') {
    Object.assign(c.ocserv, { socket_file: socket, config_per_user_dir: ocservDir + '/config-per-user',
      config_per_group_dir: ocservDir + '/config-per-group', log: { source: 'file', file: ocservDir + '/ocserv.log' } });
  } else {
    // No live ocserv: the per-user files the demo writes (the portal's routes) go to the demo dir, never /etc/ocserv.
    for (const name of ['config-per-user', 'config-per-group']) fs.mkdirSync(ocservDir + '/' + name, { recursive: true, mode: 0o755 });
    Object.assign(c.ocserv, { config_per_user_dir: ocservDir + '/config-per-user', config_per_group_dir: ocservDir + '/config-per-group' });
  }
  Object.assign(c.portal, { address: simAddress,
    tls: { cert_file: tlsDir + '/' + client + '.crt', key_file: tlsDir + '/' + client + '.key', ca_file: tlsDir + '/ca.crt', server_name: 'localhost' },
    // Short backoff: the demo brings the portal back a moment after its outage.
    reconnect_backoff_initial_ms: 100, reconnect_backoff_max_ms: 1000 });
  Object.assign(c.ipc, { socket_path: hookSocket });
  fs.writeFileSync(config, YAML.stringify(c));" \
  "$config" "$live" "$socket" "$ocserv_dir" "127.0.0.1:$sim_port" "$tls_dir" "$portal_client" "$hook_socket"

export OCSERV_AGENT_CONFIG=$config
export OCSERV_AGENT_GRPC_TLS_CERT_FILE=$tls_dir/server.crt
export OCSERV_AGENT_GRPC_TLS_KEY_FILE=$tls_dir/server.key
export OCSERV_AGENT_GRPC_TLS_CLIENT_CA_FILE=$tls_dir/ca.crt

log_lines_before=$( [ -f "$agent_log" ] && wc -l <"$agent_log" || echo 0)
node dist/main.js >>"$agent_log" 2>&1 &
agent_pid=$!

for _ in $(seq 1 100); do
  if node -e "require('http').get('http://127.0.0.1:9091/health/ready', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"; then
    break
  fi
  if ! kill -0 "$agent_pid" 2>/dev/null; then
    echo "demo: the agent exited during start (is port 9090 or 9091 in use?); its log:" >&2
    tail -n 20 "$agent_log" >&2
    exit 1
  fi
  sleep 0.1
done

# Connects USER and checks the outcome is EXPECTED (connected|refused); a refusal prints the hook's line from ocserv's log.
vpn_connect() { # USER EXPECTED
  local user=$1 expected=$2 result line
  result=$(bash scripts/demo-ocserv.sh connect "$ocserv_dir" "$user" "$user-demo")
  echo "$result"
  case "$result" in "$expected "* | "$expected $user") ;; *) echo "demo: expected $user to be $expected" >&2; exit 1 ;; esac
  if [ "$expected" = refused ]; then
    for _ in $(seq 1 20); do
      line=$(grep -a "ocserv-agent-hook: agent denied user $user:" "$ocserv_dir/ocserv.log" | tail -n 1 || true)
      [ -n "$line" ] && break
      sleep 0.1
    done
    echo "  ocserv log: ${line:-"(no hook line for $user)"}"
  fi
}

portal_records() {
  control GET /records | node -e "
    const fs = require('fs');
    const records = JSON.parse(fs.readFileSync(0, 'utf8'));
    // The records hold what the portal received; its answers are in its call log, in the same order.
    const answers = fs.readFileSync('$sim_log', 'utf8').split('\n').filter((l) => l.includes('\"method\":\"CheckPolicy\"'))
      .map((l) => JSON.parse(l));
    const calls = records.calls.filter((c) => c.method === 'CheckPolicy');
    console.log('CheckPolicy calls the portal received: ' + (records.counts.CheckPolicy ?? 0));
    calls.forEach((c, i) => console.log('  ' + [c.request.username, 'group=' + (c.request.groupname || '-'),
      'client_ip=' + c.request.client_ip, 'from=' + c.caller_cn, 'allowed=' + answers[i]?.allowed].join(' ')));"
}

if [ "$live" = 1 ]; then
  echo
  echo "# Four openconnect clients; ocserv runs the hook, the hook asks the agent, the agent asks the portal"
  vpn_connect alice connected
  vpn_connect bob refused
  vpn_connect carol connected
  vpn_connect dave refused

  echo
  echo "# What the portal saw (GET /records on its control API)"
  portal_records

  echo
  echo "# alice disconnects and connects again: the agent answers from its decision cache"
  before=$(check_policy_count)
  bash scripts/demo-ocserv.sh disconnect "$ocserv_dir" alice
  vpn_connect alice connected
  echo "CheckPolicy calls: $before before, $(check_policy_count) after (cache)"

  echo
  echo "# Portal outage (POST /switches {\"outage\":true}); erin (group staff) has no cached decision"
  control POST /switches '{"outage":true}' >/dev/null
  vpn_connect erin refused
  echo "CheckPolicy calls: $(check_policy_count) (a call during the outage never reaches the portal)"

  echo
  echo "# The portal is back (POST /switches {\"outage\":false}); erin tries again"
  control POST /switches '{"outage":false}' >/dev/null
  sleep 1.5 # the agent's reconnect backoff to the portal (reconnect_backoff_max_ms: 1000)
  vpn_connect erin connected
  echo "CheckPolicy calls: $(check_policy_count)"
fi

node scripts/demo-client.js 127.0.0.1:9090 "$tls_dir" "$live"

if [ "$live" = 1 ]; then
  echo
  echo "# alice connects again after DisconnectUser: her cached decision is gone, the portal is asked"
  before=$(check_policy_count)
  vpn_connect alice connected
  echo "CheckPolicy calls: $before before, $(check_policy_count) after"
fi

echo
echo "# The audit lines those calls wrote (one per mutating call, allowed or not):"
tail -n "+$((log_lines_before + 1))" "$agent_log" | grep '"audit":true' | tail -n 7

echo
echo "# The agent's connection decisions in this run (source: portal, cache, fail-close, ...):"
tail -n "+$((log_lines_before + 1))" "$agent_log" | grep '"msg":"connection decided"' | node -e "
  require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).forEach((d) =>
    console.log(JSON.stringify({ msg: d.msg, user: d.user, group: d.group, client_ip: d.client_ip, allowed: d.allowed,
      source: d.source, deny_reason: d.deny_reason, duration_ms: d.duration_ms })));"

cat <<MSG

The agent is running (pid $agent_pid):
  gRPC (mTLS)   127.0.0.1:9090   client certs in $tls_dir
  health        http://127.0.0.1:9091/health/ready
  metrics       http://127.0.0.1:9091/metrics
  JSON log      $agent_log   (tail -f it)
  hook socket   $hook_socket   (hook config $hook_config)
  portal        simulator (pid $sim_pid) on 127.0.0.1:$sim_port, control http://127.0.0.1:$control_port (GET /records, POST /switches), log $sim_log
  ocserv        $( [ "$live" = 1 ] && echo "$ocserv_dir (occtl -s $ocserv_dir/occtl.sock show users; log $ocserv_dir/ocserv.log)" || echo "not started")
Ctrl-C stops it gracefully.
MSG
[ "${DEMO_EXIT_AFTER_CALLS:-0}" = 1 ] && exit 0
wait "$agent_pid"

/*
 * Synthetic login storm through the hook socket (issue 14): 2,000 connect requests
 * for distinct new users at once (a separate client process, one connection each,
 * budget_ms as the hook sends it), the agent in portal mode (fail mode close, cold
 * cache), the portal simulator in its own process over mTLS.
 *   1. simulator latency 50 ms: target 0 fail-close decisions, breaker closed; p50/p99 reported.
 *   2. simulator hanging: every decision fail-close within the budget, breaker open.
 * Prints and writes bench/results/ipc-storm.json.   npm run bench -- ipc-storm
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from '../e2e/support/agent-process';
import { writeAgentConfig } from '../e2e/support/config-file';
import { createTestPki, type TestPki } from '../test/support/test-pki';
import { summarize } from './bench-stats';
import { cpuDelta, cpuSnapshot } from './process-cpu';
import { SimulatorProcess } from './simulator-process';
import { agentPortalTls } from '../test/support/portal-sim';

const COUNT = Number(process.env.IPC_STORM_COUNT ?? 2000);
const LATENCY_MS = 50;
const HOOK_BUDGET_MS = 5000;
const RESULTS_FILE = join(__dirname, 'results', 'ipc-storm.json');
const POLICY = 'default: { allow: false, deny_reason: "not in policy" }\ngroups:\n  staff: { allow: true }\n';

interface StormReply {
  answered: number;
  allowed: number;
  errors: number;
  elapsed_ms: number;
  latencies_ms: number[];
  deny_reasons: Record<string, number>;
}

function runClient(socket: string, tag: string): Promise<StormReply> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'ipc-storm.client.js'), JSON.stringify({ socket, count: COUNT, budgetMs: HOOK_BUDGET_MS, tag })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as StormReply) : reject(new Error(`storm client exited ${code}`))));
  });
}

function metrics(httpPort: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: httpPort, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const wanted = ['ocserv_agent_portal_', 'ocserv_agent_authorization_decisions_total', 'ocserv_agent_nodejs_eventloop_lag_max', 'ocserv_agent_nodejs_eventloop_lag_p99'];
        resolve(Object.fromEntries(body.split('\n')
          .filter((line) => wanted.some((prefix) => line.startsWith(prefix)) && !line.includes('_bucket{'))
          .map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))])));
      });
    }).on('error', reject);
  });
}

async function scenario(pki: TestPki, simulator: SimulatorProcess, dir: string, name: string, hang: boolean): Promise<Record<string, unknown>> {
  const socketPath = join(dir, `${name}.sock`);
  const config = writeAgentConfig(pki, `ipc-storm-${name}`, {
    log: { level: 'info' },
    authorization: { mode: 'portal', fail_mode: 'close' },
    portal: { address: simulator.address, tls: agentPortalTls(pki) },
    ipc: { enabled: true, socket_path: socketPath },
    ocserv: { sync_sessions: false, events: false },
  });
  await simulator.setSwitches({ latency_ms: LATENCY_MS, hang });
  const agent = new AgentProcess(['--config', config]);
  try {
    const { httpPort } = await agent.started();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await metrics(httpPort); // resets the event-loop lag window
    const before = cpuSnapshot({ agent: agent.pid, simulator: simulator.pid });
    const reply = await runClient(socketPath, name);
    const cpu = cpuDelta(before, cpuSnapshot({ agent: agent.pid, simulator: simulator.pid }));
    const agentMetrics = await metrics(httpPort);
    const failClose = agentMetrics['ocserv_agent_authorization_decisions_total{source="fail-close",allowed="false"}'] ?? 0;
    const breaker = ['closed', 'half-open', 'open'][agentMetrics['ocserv_agent_portal_breaker_state'] ?? -1] ?? '?';
    return {
      requests: COUNT,
      simulator: hang ? 'hanging' : `latency ${LATENCY_MS} ms`,
      answered: reply.answered,
      allowed: reply.allowed,
      errors: reply.errors,
      fail_close: failClose,
      breaker,
      elapsed_ms: reply.elapsed_ms,
      latency: summarize(reply.latencies_ms),
      deny_reasons: reply.deny_reasons,
      cpu_ms: { agent: cpu.agent, simulator: cpu.simulator },
      agent_metrics: agentMetrics,
    };
  } finally {
    agent.signal('SIGTERM');
    await Promise.race([agent.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    await agent.stop();
    await simulator.setSwitches({ hang: false });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ipc-storm-'));
  const pki = createTestPki(dir);
  const simulator = await SimulatorProcess.start(pki, POLICY, LATENCY_MS);
  try {
    const slow = await scenario(pki, simulator, dir, 'latency', false);
    const hung = await scenario(pki, simulator, dir, 'hang', true);
    const report = { when: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, hook_budget_ms: HOOK_BUDGET_MS, latency_50ms: slow, hanging: hung };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    for (const [label, r] of [['latency 50 ms', slow], ['hanging', hung]] as const) {
      const l = r.latency as { p50_ms: number; p99_ms: number; max_ms: number };
      console.log(`  ${COUNT} connects, simulator ${label}: allowed ${r.allowed}, fail-close ${r.fail_close}, errors ${r.errors}, breaker ${r.breaker}, p50 ${l.p50_ms} ms p99 ${l.p99_ms} ms max ${l.max_ms} ms, elapsed ${r.elapsed_ms} ms`);
    }
    console.log(`  target: latency case 0 fail-close and breaker closed: ${slow.fail_close === 0 && slow.breaker === 'closed' ? 'met' : 'NOT met'}; hang case all fail-close, breaker open: ${hung.fail_close === COUNT && hung.breaker === 'open' ? 'met' : 'NOT met'}`);
    console.log(`  written to ${RESULTS_FILE}`);
  } finally {
    await simulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

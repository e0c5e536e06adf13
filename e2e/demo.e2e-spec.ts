import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';

/** The README's demo command works from this checkout: it builds, starts the agent and the calls succeed. */
describe('npm run demo', () => {
  let result: SpawnSyncReturns<string>;
  let output: string;

  beforeAll(() => {
    result = spawnSync('bash', [join(__dirname, '..', 'scripts', 'demo.sh')], {
      env: { ...process.env, DEMO_EXIT_AFTER_CALLS: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    output = result.stdout;
  });

  it('starts the agent with the example config and answers the portal-like calls', () => {
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('"status": "SERVING"');
    expect(result.stdout).toContain('"allowed": true');
    expect(result.stdout).toContain('PERMISSION_DENIED: /agent.v1.VPNAgentService/NotifyConnect requires role \\"operator\\"');
    expect(result.stdout).toContain('"message": "session demo-1 removed"');
    expect(result.stdout).toMatch(/"audit":true,.*"target":"user=alice session=demo-1","outcome":"ok"/);
  });

  it('manages a real ocserv with a real openconnect client when run as root', () => {
    if (process.getuid?.() !== 0) {
      expect(result.stderr).toContain('running without a live ocserv');
      return;
    }
    expect(output).toMatch(/"ocserv": "ok: online, pid \d+, 1 active sessions"/);
    expect(output).toContain('"user_agent": "demo-client/1.0"');
    expect(output).toContain('"Status": "online"');
    expect(output).toContain('PERMISSION_DENIED: occtl \\"stop now\\" is not in ocserv.allowed_commands');
    expect(output).toContain('"sessions_disconnected": 1');
  });
});

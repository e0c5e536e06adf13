import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The README's demo command works from this checkout: it builds, starts the agent and the calls succeed. */
describe('npm run demo', () => {
  it('starts the agent with the example config and answers the portal-like calls', () => {
    const result = spawnSync('bash', [join(__dirname, '..', 'scripts', 'demo.sh')], {
      env: { ...process.env, DEMO_EXIT_AFTER_CALLS: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('"status": "SERVING"');
    expect(result.stdout).toContain('"allowed": true');
    expect(result.stdout).toContain('PERMISSION_DENIED: /agent.v1.VPNAgentService/NotifyConnect requires role \\"operator\\"');
    expect(result.stdout).toContain('"message": "session demo-1 removed"');
    expect(result.stdout).toMatch(/"audit":true,.*"target":"user=alice session=demo-1","outcome":"ok"/);
  });
});

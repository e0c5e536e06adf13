import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';

interface DecisionLine {
  readonly user: string;
  readonly client_ip: string;
  readonly allowed: boolean;
  readonly source: string;
  readonly deny_reason?: string;
}

const DEMO_TIMEOUT_MS = 180_000;

/**
 * The README's demo command works from this checkout: it builds, starts the portal simulator,
 * (as root) a real ocserv running the hook, the agent, real openconnect clients, and the calls succeed.
 */
describe('npm run demo', () => {
  let result: SpawnSyncReturns<string>;
  let output: string;
  let decisions: DecisionLine[];

  beforeAll(() => {
    result = spawnSync('bash', [join(__dirname, '..', 'scripts', 'demo.sh')], {
      env: { ...process.env, DEMO_EXIT_AFTER_CALLS: '1' },
      encoding: 'utf8',
      timeout: DEMO_TIMEOUT_MS,
    });
    output = result.stdout;
    decisions = output
      .split('\n')
      .filter((line) => line.startsWith('{"msg":"connection decided"'))
      .map((line) => JSON.parse(line) as DecisionLine);
  }, DEMO_TIMEOUT_MS + 10_000);

  /** The JSON the demo client printed under the `# TITLE...` line that starts with `title`. */
  const shown = (title: string): unknown => {
    const start = output.indexOf(`\n# ${title}`);
    if (start < 0) throw new Error(`no section "${title}" in the demo output`);
    const body = output.slice(output.indexOf('\n', start + 1) + 1);
    return JSON.parse(body.slice(0, body.indexOf('\n}\n') + 2));
  };
  const brief = ({ user, client_ip, allowed, source }: DecisionLine) => ({ user, client_ip, allowed, source });

  it('starts the simulator and the agent with the example config and answers the portal-like calls', () => {
    expect(result.status).toBe(0);
    expect(output).toMatch(/^# Portal simulator on 127\.0\.0\.1:\d+ \(mTLS\), policy docs\/policy\.example\.yaml/m);
    expect(output).toContain('"status": "SERVING"');
    expect(output).toContain('PERMISSION_DENIED: /agent.v1.VPNAgentService/NotifyConnect requires role \\"operator\\"');
    expect(output).toContain('"message": "session demo-1 removed"');
    expect(output).toMatch(/"audit":true,.*"target":"user=alice session=demo-1","outcome":"ok"/);
  });

  it('decides NotifyConnect through the portal: alice allowed with her routes, dave denied', () => {
    expect(shown('NotifyConnect alice')).toMatchObject({ allowed: true, routes: ['10.10.0.0/16'], dns_servers: ['10.10.0.53'] });
    expect(shown('NotifyConnect dave')).toMatchObject({ allowed: false, routes: [], deny_reason: 'not in policy' });
    expect(decisions.map(brief)).toEqual(
      expect.arrayContaining([
        { user: 'alice', client_ip: '198.51.100.7', allowed: true, source: 'portal' },
        { user: 'dave', client_ip: '198.51.100.9', allowed: false, source: 'portal' },
      ]),
    );
  });

  it('runs the whole authorization path with a real ocserv, the hook and openconnect clients when run as root', () => {
    if (process.getuid?.() !== 0) {
      expect(result.stderr).toContain('running without a live ocserv');
      return;
    }
    // ocserv -> hook -> agent -> portal, per user.
    expect(output).toMatch(/^connected alice \d+\.\d+\.\d+\.\d+$/m);
    expect(output).toMatch(/^refused bob\n  ocserv log: ocserv-agent-hook: agent denied user bob: account suspended$/m);
    expect(output).toMatch(/^connected carol \d+\.\d+\.\d+\.\d+$/m);
    expect(output).toMatch(/^refused dave\n  ocserv log: ocserv-agent-hook: agent denied user dave: not in policy$/m);

    // The portal received exactly those four CheckPolicy calls, from the agent's client certificate.
    expect(output).toContain(
      [
        'CheckPolicy calls the portal received: 4',
        '  alice group=- client_ip=127.0.0.1 from=ocserv-agent.portal-client allowed=true',
        '  bob group=staff client_ip=127.0.0.1 from=ocserv-agent.portal-client allowed=false',
        '  carol group=staff client_ip=127.0.0.1 from=ocserv-agent.portal-client allowed=true',
        '  dave group=- client_ip=127.0.0.1 from=ocserv-agent.portal-client allowed=false',
      ].join('\n'),
    );

    // alice's reconnect is answered from the cache: no new CheckPolicy.
    expect(output).toContain('disconnected alice\nconnected alice ');
    expect(output).toContain('CheckPolicy calls: 4 before, 4 after (cache)');

    // Portal outage: erin has no decision, fail_mode close refuses her; after the restart she gets in.
    expect(output).toMatch(
      /^refused erin\n  ocserv log: ocserv-agent-hook: agent denied user erin: portal unreachable; fail mode close$/m,
    );
    expect(output).toContain('CheckPolicy calls: 4 (a call during the outage never reaches the portal)');
    expect(output).toMatch(/^connected erin \d+\.\d+\.\d+\.\d+\nCheckPolicy calls: 5$/m);

    // The agent's decision lines, with the source that decided each.
    expect(decisions.slice(0, 7).map(brief)).toEqual([
      { user: 'alice', client_ip: '127.0.0.1', allowed: true, source: 'portal' },
      { user: 'bob', client_ip: '127.0.0.1', allowed: false, source: 'portal' },
      { user: 'carol', client_ip: '127.0.0.1', allowed: true, source: 'portal' },
      { user: 'dave', client_ip: '127.0.0.1', allowed: false, source: 'portal' },
      { user: 'alice', client_ip: '127.0.0.1', allowed: true, source: 'cache' },
      { user: 'erin', client_ip: '127.0.0.1', allowed: false, source: 'fail-close' },
      { user: 'erin', client_ip: '127.0.0.1', allowed: true, source: 'portal' },
    ]);
    // After DisconnectUser, alice's cached decision is gone: her next connect asks the portal.
    const again = /alice connects again after DisconnectUser[^\n]*\nconnected alice \S+\nCheckPolicy calls: (\d+) before, (\d+) after\n/.exec(output);
    expect(again).not.toBeNull();
    expect(Number(again?.[2])).toBe(Number(again?.[1]) + 1);
    expect(decisions.at(-1) && brief(decisions.at(-1) as DecisionLine)).toEqual({ user: 'alice', client_ip: '127.0.0.1', allowed: true, source: 'portal' });
    expect(decisions[1]?.deny_reason).toBe('account suspended');
    expect(decisions[3]?.deny_reason).toBe('not in policy');

    // The management calls against the live ocserv (alice, carol and erin connected at that point).
    expect(output).toMatch(/"ocserv": "ok: online, pid \d+, 3 active sessions"/);
    expect(output).toContain('"user_agent": "demo-client/1.0"');
    expect(output).toContain('"Status": "online"');
    expect(output).toContain('PERMISSION_DENIED: occtl \\"stop now\\" is not in ocserv.allowed_commands');
    expect(output).toContain('"sessions_disconnected": 1');
    // Per-user files: the portal's routes written at login, one more route through the API, the hostile value refused.
    expect(shown('GetUserConfig alice')).toMatchObject({ found: true, config: { routes: ['10.10.0.0/16'], dns_servers: ['10.10.0.53'] } });
    expect(shown('UpdateUserRoutes alice')).toMatchObject({ success: true, user_reconnected: false });
    expect(JSON.stringify(shown('GetActiveRoutes alice'))).toContain('"cidr":"10.20.0.0/16","source":"ROUTE_SOURCE_USER_CONFIG","active":false');
    expect(output).toContain('INVALID_ARGUMENT: routes[0]: control characters and line breaks are not allowed');
  });
});

import { VpnClientRefused } from '../../support/ocserv-lab/vpn-client';
import { RIG_USERS, startAuthorizationRig, type AuthorizationRig } from '../../support/authorization-rig';
import { decisionCount } from './authorization-metrics';

/*
 * Acceptance for when the portal is not there: each fail mode, a hanging
 * portal, the circuit breaker, and the hook on its own when the agent is down.
 * Real ocserv, real hook, real agent socket, real portal simulator.
 */

jest.setTimeout(90_000);

const HOOK_TIMEOUT_MS = 5000;

describe('when the portal fails (real ocserv, hook, agent, portal)', () => {
  let rig: AuthorizationRig;

  beforeAll(async () => {
    rig = await startAuthorizationRig();
  });

  afterAll(async () => rig?.stop());

  afterEach(async () => {
    rig.setHookConfig({});
    rig.portal.simulator.setHang(false);
    rig.portal.simulator.setErrorRate(0);
    if (rig.portal.simulator.state.outage) await rig.portal.simulator.restart();
    rig.portal.simulator.resetRecords();
  });

  async function refused(user: keyof typeof RIG_USERS): Promise<number> {
    const started = Date.now();
    await expect(rig.lab.connect(RIG_USERS[user])).rejects.toBeInstanceOf(VpnClientRefused);
    return Date.now() - started;
  }

  it('fail_mode open: a portal outage lets even a user the policy would deny in', async () => {
    await rig.startAgent({ authorization: { fail_mode: 'open' } });
    await rig.portal.simulator.outage();

    const dave = await rig.lab.connect(RIG_USERS.dave);

    expect(dave.vpnIp).toBeTruthy();
    expect(await decisionCount(rig.agent(), 'fail-open', true)).toBe(1);
    await dave.stop();
  });

  it('fail_mode close: a portal outage refuses an allowed user, and the hook says the agent denied it', async () => {
    await rig.startAgent({ authorization: { fail_mode: 'close' } });
    await rig.portal.simulator.outage();

    await refused('alice');

    expect(await decisionCount(rig.agent(), 'fail-close', false)).toBe(1);
    expect(rig.lab.readLog()).toMatch(/agent denied user alice: portal unreachable; fail mode close/);
  });

  it('fail_mode stale: in an outage only users with a decision inside the stale window get in', async () => {
    await rig.startAgent({ authorization: { fail_mode: 'stale', cache: { fresh_ttl_seconds: 1, stale_ttl_seconds: 600 } } });
    const before = await rig.lab.connect(RIG_USERS.carol);
    await before.stop();
    await new Promise((resolve) => setTimeout(resolve, 1200)); // past the fresh TTL: only the stale window holds it now
    await rig.portal.simulator.outage();

    const carol = await rig.lab.connect(RIG_USERS.carol);
    await refused('erin');

    expect(carol.vpnIp).toBeTruthy();
    expect(await decisionCount(rig.agent(), 'stale', true)).toBe(1);
    expect(await decisionCount(rig.agent(), 'fail-close', false)).toBe(1);
    await carol.stop();
  });

  it('a hanging portal: the fail mode decides within the agent budget, long before the hook would give up', async () => {
    await rig.startAgent({ authorization: { fail_mode: 'close' } });
    rig.portal.simulator.setHang(true);

    const elapsedMs = await refused('heidi');

    expect(elapsedMs).toBeLessThan(HOOK_TIMEOUT_MS);
    expect(rig.portal.simulator.calls.map((call) => (call.request as { username: string }).username)).toEqual(['heidi']);
    expect(await decisionCount(rig.agent(), 'fail-close', false)).toBe(1);
    expect(rig.lab.readLog()).toMatch(/agent denied user heidi: portal timed out; fail mode close/);
    expect(rig.lab.readLog()).not.toMatch(/agent unreachable at .*heidi/);
  });

  it('a hanging portal with fail_mode open: the user gets in, so it was the agent that decided, not the hook', async () => {
    await rig.startAgent({ authorization: { fail_mode: 'open' } });
    rig.portal.simulator.setHang(true);

    const ivan = await rig.lab.connect(RIG_USERS.ivan);

    expect(ivan.vpnIp).toBeTruthy();
    expect(await decisionCount(rig.agent(), 'fail-open', true)).toBe(1);
    await ivan.stop();
  });

  it('the breaker: after the configured failures the portal gets no calls, then one trial after the reset timeout', async () => {
    const resetTimeoutMs = 3000;
    await rig.startAgent({
      authorization: { fail_mode: 'close', cache: { enabled: false } },
      portal: { breaker: { volume_threshold: 3, error_threshold_percent: 50, reset_timeout_ms: resetTimeoutMs, rolling_window_ms: 30_000 } },
    });
    rig.portal.simulator.setErrorRate(1);

    for (const user of ['erin', 'frank', 'grace'] as const) await refused(user);
    expect(rig.portal.simulator.calls).toHaveLength(3);
    const openedAt = Date.now();

    await refused('alice');
    await refused('carol');
    expect(rig.portal.simulator.calls).toHaveLength(3); // open: nothing reached the portal

    rig.portal.simulator.setErrorRate(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, resetTimeoutMs + 200 - (Date.now() - openedAt))));
    const trial = await rig.lab.connect(RIG_USERS.alice);
    expect(rig.portal.simulator.calls).toHaveLength(4); // exactly one trial call

    const after = await rig.lab.connect(RIG_USERS.carol);
    expect(rig.portal.simulator.calls).toHaveLength(5); // closed again: normal service
    await Promise.all([trial.stop(), after.stop()]);
  });

  it('agent stopped: the hook denies by default, and allows only when configured to, within its budget', async () => {
    await rig.stopAgent();

    const deniedMs = await refused('alice');
    rig.setHookConfig({ onAgentUnreachable: 'allow' });
    const alice = await rig.lab.connect(RIG_USERS.alice);

    expect(deniedMs).toBeLessThan(HOOK_TIMEOUT_MS);
    expect(alice.vpnIp).toBeTruthy();
    expect(rig.lab.readLog()).toMatch(/agent unreachable at .*denying user alice \(on_agent_unreachable=deny\)/);
    expect(rig.lab.readLog()).toMatch(/agent unreachable at .*allowing user alice \(on_agent_unreachable=allow\)/);
    await alice.stop();
  });
});

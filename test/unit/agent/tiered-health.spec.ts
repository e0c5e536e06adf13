import { TieredHealth } from '../../../src/agent/tiered-health.service';
import { AgentError } from '../../../src/errors/agent-error';
import type { ServingState } from '../../../src/health/serving-state';
import type { OcctlStatus } from '../../../src/occtl/occtl-records';
import type { OcctlService } from '../../../src/occtl/occtl.service';
import type { DirectoryProbe, DirectoryProbeResult } from '../../../src/user-config/config-dir.probe';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FakeClock } from '../builders/fake-clock';
import { anOcctlStatus } from '../builders/occtl-user.builder';

class FakeOcctl {
  calls = 0;
  answer: () => Promise<OcctlStatus> = () => Promise.resolve(anOcctlStatus({ serverPid: 42, activeSessions: 3 }));

  showStatus(): Promise<OcctlStatus> {
    this.calls += 1;
    return this.answer();
  }
}

class FakeProbe {
  readonly results = new Map<string, DirectoryProbeResult>();

  probeWritable(dir: string): Promise<DirectoryProbeResult> {
    return Promise.resolve(this.results.get(dir) ?? { writable: true, reason: '' });
  }
}

describe(TieredHealth.name, () => {
  let clock: FakeClock;
  let occtl: FakeOcctl;
  let probe: FakeProbe;
  let serving: { serving: boolean };
  let sut: TieredHealth;

  beforeEach(() => {
    clock = new FakeClock();
    occtl = new FakeOcctl();
    probe = new FakeProbe();
    serving = { serving: true };
    const config = configServiceFor(
      anAgentConfig({ ocserv: { config_per_user_dir: '/etc/ocserv/u', config_per_group_dir: '/etc/ocserv/g' } }),
    );
    sut = new TieredHealth(
      serving as ServingState,
      occtl as unknown as OcctlService,
      probe as unknown as DirectoryProbe,
      clock,
      config,
    );
  });

  it('tier 1 checks only the agent and never asks ocserv', async () => {
    const report = await sut.check(1);
    expect(report).toMatchObject({ healthy: true, checks: { agent: expect.stringMatching(/^ok: serving/) } });
    expect(Object.keys(report.checks)).toEqual(['agent']);
    expect(occtl.calls).toBe(0);
  });

  it('tier 2 adds ocserv with its pid and sessions', async () => {
    const report = await sut.check(2);
    expect(report.checks.ocserv).toBe('ok: online, pid 42, 3 active sessions');
    expect(report.healthy).toBe(true);
  });

  it('tier 2 is unhealthy with the reason when ocserv does not answer', async () => {
    occtl.answer = () => Promise.reject(AgentError.unavailable('ocserv is not answering on its control socket /run/x'));
    const report = await sut.check(2);
    expect(report).toMatchObject({ healthy: false, statusMessage: 'tier 2: ocserv failing' });
    expect(report.checks.ocserv).toBe('fail: ocserv is not answering on its control socket /run/x');
  });

  it('tier 2 is unhealthy when ocserv reports itself offline', async () => {
    occtl.answer = () => Promise.resolve(anOcctlStatus({ status: 'offline' }));
    expect((await sut.check(2)).checks.ocserv).toBe('fail: ocserv reports status "offline"');
  });

  it('tier 3 adds both config dirs, each with its own verdict', async () => {
    probe.results.set('/etc/ocserv/g', { writable: false, reason: 'cannot create files in /etc/ocserv/g: EROFS' });
    const report = await sut.check(3);
    expect(report.checks.config_per_user_dir).toBe('ok: /etc/ocserv/u is writable');
    expect(report.checks.config_per_group_dir).toBe('fail: cannot create files in /etc/ocserv/g: EROFS');
    expect(report).toMatchObject({ healthy: false, statusMessage: 'tier 3: config_per_group_dir failing' });
  });

  it('fails the agent check while it is not serving', async () => {
    serving.serving = false;
    expect((await sut.check(1)).healthy).toBe(false);
  });

  it('shares one occtl run between checks within a second, and asks again after', async () => {
    await Promise.all([sut.check(2), sut.check(2), sut.check(3)]);
    expect(occtl.calls).toBe(1);
    clock.advanceMs(1000);
    await sut.check(2);
    expect(occtl.calls).toBe(2);
  });
});

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { OcctlCapabilities } from '../../../src/occtl/occtl-capabilities';
import { OcctlMetrics } from '../../../src/occtl/occtl-metrics';
import { OcctlRunner } from '../../../src/occtl/occtl-runner';
import { OcctlService } from '../../../src/occtl/occtl.service';
import { anAgentConfig, configServiceFor } from '../../unit/builders/agent-config.builder';
import { FakeClock } from '../../unit/builders/fake-clock';

/*
 * OcctlService over real child processes that print what a broken, foreign or
 * hostile occtl might: the service must answer with a clear UNAVAILABLE, never
 * crash, and never hand half-parsed data on.
 */
describe(`${OcctlService.name} with hostile occtl output`, () => {
  let dir: string;

  const serviceFor = (body: string): OcctlService => {
    const path = join(dir, `occtl-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    const runner = new OcctlRunner(configServiceFor(anAgentConfig({ ocserv: { occtl_path: path, max_output_bytes: 1024 * 1024 } })));
    return new OcctlService(runner, new OcctlCapabilities(runner), new OcctlMetrics(new MetricsRegistry()), new FakeClock());
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'occtl-hostile-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['garbage text', 'echo "unknown command: show users"'],
    ['HTML', 'echo "<html><body>502</body></html>"'],
    ['binary bytes', 'head -c 2048 /dev/urandom'],
    ['truncated JSON', 'printf \'[\\n  {\\n    "ID":  1,\\n    "Username": "al\''],
    ['a JSON bomb of nesting', 'i=0; while [ $i -lt 100 ]; do printf "["; i=$((i+1)); done'],
  ])('show users: %s -> UNAVAILABLE that says the output is unreadable', async (_case, body) => {
    const error = await serviceFor(body).showUsers().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: AgentErrorCode.Unavailable });
    expect((error as Error).message).toContain('printed output the agent cannot read');
    expect((error as Error).message.length).toBeLessThan(600);
  });

  it('show users: output past max_output_bytes is discarded, not parsed', async () => {
    const error = await serviceFor('exec head -c 5000000 /dev/zero').showUsers().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: AgentErrorCode.Unavailable, message: expect.stringContaining('max_output_bytes') });
  });

  it('show users: empty output is no sessions', async () => {
    await expect(serviceFor('exit 0').showUsers()).resolves.toEqual([]);
  });

  it('show users: records without an ID or a username are skipped, the rest kept', async () => {
    const body = `cat <<'EOF'
[ { "ID": "x", "Username": "ghost" }, { "ID": 7, "Username": "" }, { "ID": 8, "Username": "bob", "State": "connected" } ]
EOF`;
    const users = await serviceFor(body).showUsers();
    expect(users.map((user) => [user.id, user.username])).toEqual([[8, 'bob']]);
  });

  it('show status without a status record is UNAVAILABLE', async () => {
    await expect(serviceFor('echo "[]"').showStatus()).rejects.toMatchObject({ code: AgentErrorCode.Unavailable });
  });
});

import { Logger } from '@nestjs/common';
import { AgentError } from '../../../src/errors/agent-error';
import { emptyDocument } from '../../../src/user-config/config-document';
import type { DocumentEdit, UserConfigService } from '../../../src/user-config/user-config.service';
import { PortalRoutesWriter } from '../../../src/vpn/portal-routes.writer';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { anAllowDecision, aDenyDecision } from '../builders/vpn-request.builder';

class RecordingConfigs {
  readonly edits: { name: string; edit: DocumentEdit }[] = [];
  failWith: Error | undefined;
  edit(_scope: string, name: string, edit: DocumentEdit): Promise<{ changed: boolean; path: string; change: string }> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    this.edits.push({ name, edit });
    return Promise.resolve({ changed: true, path: `/cpu/${name}`, change: 'route +x' });
  }
}

describe(PortalRoutesWriter.name, () => {
  let configs: RecordingConfigs;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => (configs = new RecordingConfigs()));

  const sutWith = (enabled = true) =>
    new PortalRoutesWriter(configs as unknown as UserConfigService, configServiceFor(anAgentConfig({ user_config: { apply_portal_routes: enabled } })));

  it("writes an allowing portal answer's routes and DNS into the user's file", async () => {
    await sutWith().record('alice', anAllowDecision({ routes: ['10.1.0.0/16'], dnsServers: ['10.1.0.53'] }));

    expect(configs.edits.map((entry) => entry.name)).toEqual(['alice']);
    const written = configs.edits[0]!.edit(emptyDocument());
    expect([...written.options]).toEqual([['route', ['10.1.0.0/16']], ['dns', ['10.1.0.53']]]);
  });

  it('leaves a part the portal left empty as the file has it', async () => {
    await sutWith().record('alice', anAllowDecision({ routes: ['10.1.0.0/16'], dnsServers: [] }));

    const written = configs.edits[0]!.edit({ options: new Map([['dns', ['9.9.9.9']]]), lines: [] });
    expect(written.options.get('dns')).toEqual(['9.9.9.9']);
  });

  it.each([
    ['a denial', aDenyDecision()],
    ['a cached decision', anAllowDecision({ source: 'cache' })],
    ['a fail-open decision', anAllowDecision({ source: 'fail-open' })],
    ['an answer with no routes and no DNS', anAllowDecision({ routes: [], dnsServers: [] })],
  ])('writes nothing for %s', async (_label, decision) => {
    await sutWith().record('alice', decision);

    expect(configs.edits).toEqual([]);
  });

  it('writes nothing when user_config.apply_portal_routes is off', async () => {
    await sutWith(false).record('alice', anAllowDecision({ routes: ['10.1.0.0/16'] }));

    expect(configs.edits).toEqual([]);
  });

  it('never rejects: a failed write is only logged', async () => {
    configs.failWith = AgentError.failedPrecondition('/cpu/alice is a symbolic link');

    await expect(sutWith().record('alice', anAllowDecision({ routes: ['10.1.0.0/16'] }))).resolves.toBeUndefined();
  });
});

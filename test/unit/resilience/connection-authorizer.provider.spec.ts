import { ConfigService } from '@nestjs/config';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { AgentConfig } from '../../../src/config/agent-config.schema';
import { PortalConnectionAuthorizer } from '../../../src/resilience/portal-connection.authorizer';
import { ConnectionAuthorizer } from '../../../src/vpn/connection-authorizer';
import { connectionAuthorizerProvider } from '../../../src/vpn/connection-authorizer.provider';
import { LocalPolicyAuthorizer } from '../../../src/vpn/local-policy.authorizer';
import { StaticConnectionAuthorizer } from '../../../src/vpn/static-connection-authorizer';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { aConnectNotice } from '../builders/vpn-request.builder';

/** Stands in for the portal path: only its identity matters here. */
const PORTAL_AUTHORIZER = { decide: () => Promise.reject(new Error('not under test')) } as unknown as PortalConnectionAuthorizer;

describe('connectionAuthorizerProvider', () => {
  async function resolveFor(config: AgentConfig): Promise<ConnectionAuthorizer> {
    const moduleRef = await Test.createTestingModule({
      providers: [
        connectionAuthorizerProvider,
        { provide: ConfigService, useValue: configServiceFor(config) },
        { provide: PortalConnectionAuthorizer, useValue: PORTAL_AUTHORIZER },
      ],
    }).compile();
    return moduleRef.get(ConnectionAuthorizer);
  }

  it('gives the static authorizer in mode static', async () => {
    const sut = await resolveFor(anAgentConfig({ authorization: { mode: 'static', static: { allowed: true } } }));

    expect(sut).toBeInstanceOf(StaticConnectionAuthorizer);
    await expect(sut.decide(aConnectNotice())).resolves.toMatchObject({ allowed: true, source: 'static' });
  });

  it('gives the portal authorizer instance in mode portal', async () => {
    const config = anAgentConfig({ authorization: { mode: 'portal' }, portal: { address: 'portal.example.net:9443' } });

    const sut = await resolveFor(config);

    expect(sut).toBe(PORTAL_AUTHORIZER);
  });

  describe('in mode local', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'policy-'));
    });

    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    async function localAuthorizer(policyYaml: string): Promise<ConnectionAuthorizer> {
      const policyFile = join(dir, 'policy.yaml');
      writeFileSync(policyFile, policyYaml);
      return resolveFor(anAgentConfig({ authorization: { mode: 'local', local: { policy_file: policyFile } } }));
    }

    it('decides from the policy file: the user entry, with its routes and DNS', async () => {
      const sut = await localAuthorizer(
        'default: { allow: false, deny_reason: "not listed" }\nusers:\n  alice: { allow: true, routes: ["10.1.0.0/16"], dns_servers: ["10.1.0.53"] }\n',
      );

      expect(sut).toBeInstanceOf(LocalPolicyAuthorizer);
      await expect(sut.decide(aConnectNotice({ username: 'alice' }))).resolves.toMatchObject({
        allowed: true,
        source: 'local',
        routes: ['10.1.0.0/16'],
        dnsServers: ['10.1.0.53'],
        configParams: { policy_match: 'user' },
      });
    });

    it('falls back to the group entry, then to the default', async () => {
      const sut = await localAuthorizer(
        'default: { allow: false, deny_reason: "not listed" }\ngroups:\n  staff: { allow: true }\n',
      );

      await expect(sut.decide(aConnectNotice({ username: 'carol', groupname: 'staff' }))).resolves.toMatchObject({
        allowed: true,
        configParams: { policy_match: 'group' },
      });
      await expect(sut.decide(aConnectNotice({ username: 'carol', groupname: 'guests' }))).resolves.toMatchObject({
        allowed: false,
        denyReason: 'not listed',
        source: 'local',
      });
    });

    it('fails the boot on a policy file that does not load', async () => {
      await expect(localAuthorizer('users: [alice]\n')).rejects.toThrow(/invalid policy file/);
    });
  });
});

import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { AgentConfig } from '../../../src/config/agent-config.schema';
import { PortalConnectionAuthorizer } from '../../../src/resilience/portal-connection.authorizer';
import { ConnectionAuthorizer } from '../../../src/vpn/connection-authorizer';
import { connectionAuthorizerProvider } from '../../../src/vpn/connection-authorizer.provider';
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
});

import { Client } from '@grpc/grpc-js';
import { ConfigModule } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { ClockModule } from '../../../src/clock/clock.module';
import type { AgentConfig } from '../../../src/config/agent-config.schema';
import { MetricsModule } from '../../../src/metrics/metrics.module';
import { GrpcPolicyChecker } from '../../../src/portal/grpc-policy-checker';
import { GrpcSessionValidator } from '../../../src/portal/grpc-session-validator';
import { PolicyChecker } from '../../../src/portal/policy-checker';
import * as clientFactory from '../../../src/portal/portal-client.factory';
import { PortalModule } from '../../../src/portal/portal.module';
import { SessionValidator } from '../../../src/portal/session-validator';
import { UnconfiguredPolicyChecker } from '../../../src/portal/unconfigured-policy-checker';
import { UnconfiguredSessionValidator } from '../../../src/portal/unconfigured-session-validator';
import { anAgentConfig } from '../builders/agent-config.builder';

/** Nothing listens here; the module is compiled, never initialised, so no call or connect is made. */
const PORTAL = { address: '127.0.0.1:1', insecure: true } as const;

describe(PortalModule.name, () => {
  let moduleRef: TestingModule | undefined;
  let createdClients: Client[];

  beforeEach(() => {
    createdClients = [];
    const create = clientFactory.createPortalAuthClient;
    jest.spyOn(clientFactory, 'createPortalAuthClient').mockImplementation((portal) => {
      const client = create(portal);
      createdClients.push(client);
      return client;
    });
  });

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    jest.restoreAllMocks();
  });

  async function compile(config: AgentConfig): Promise<TestingModule> {
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => config] }),
        ClockModule,
        MetricsModule,
        PortalModule,
      ],
    }).compile();
    return moduleRef;
  }

  it('opens no portal client when neither CheckPolicy nor ValidateSession is asked', async () => {
    const sut = await compile(anAgentConfig({ authorization: { mode: 'static' } }));

    expect(sut.get(PolicyChecker)).toBeInstanceOf(UnconfiguredPolicyChecker);
    expect(sut.get(SessionValidator)).toBeInstanceOf(UnconfiguredSessionValidator);
    expect(createdClients).toHaveLength(0);
  });

  it('gives the gRPC policy checker and the unconfigured validator in portal mode without revalidation', async () => {
    const sut = await compile(anAgentConfig({ authorization: { mode: 'portal' }, portal: PORTAL }));

    expect(sut.get(PolicyChecker)).toBeInstanceOf(GrpcPolicyChecker);
    expect(sut.get(SessionValidator)).toBeInstanceOf(UnconfiguredSessionValidator);
    expect(createdClients).toHaveLength(1);
  });

  it('gives the gRPC validator over its own client with revalidation on in another mode', async () => {
    const sut = await compile(anAgentConfig({ authorization: { mode: 'static' }, revalidation: { enabled: true }, portal: PORTAL }));

    expect(sut.get(PolicyChecker)).toBeInstanceOf(UnconfiguredPolicyChecker);
    expect(sut.get(SessionValidator)).toBeInstanceOf(GrpcSessionValidator);
    expect(createdClients).toHaveLength(1);
  });

  it('shares one client (one channel, one TLS connection) between CheckPolicy and ValidateSession when both are on', async () => {
    const sut = await compile(anAgentConfig({ authorization: { mode: 'portal' }, revalidation: { enabled: true }, portal: PORTAL }));

    expect(sut.get(PolicyChecker)).toBeInstanceOf(GrpcPolicyChecker);
    expect(sut.get(SessionValidator)).toBeInstanceOf(GrpcSessionValidator);
    expect(createdClients).toHaveLength(1);
  });

  it('closes the shared client when the module is destroyed', async () => {
    const sut = await compile(anAgentConfig({ authorization: { mode: 'portal' }, revalidation: { enabled: true }, portal: PORTAL }));
    const close = jest.spyOn(createdClients[0] as Client, 'close');

    await sut.close();
    moduleRef = undefined;

    expect(close).toHaveBeenCalledTimes(1);
  });
});

import { Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { CheckPolicyRequest, CheckPolicyResponse } from '../generated/vpn/v1/auth';
import { PortalChannelKeeper } from './portal-channel.keeper';
import type { PortalMetrics } from './portal-metrics';
import { PolicyChecker, type PolicyQuery, type PolicyVerdict } from './policy-checker';
import { portalFailureOf } from './grpc-failure.mapper';
import { toCheckPolicyRequest, toPolicyVerdict } from './portal-wire.mapper';

type CheckPolicyMethod = (
  request: CheckPolicyRequest,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: CheckPolicyResponse) => void,
) => void;

/** AuthService.CheckPolicy over the portal channel, one deadline per call; the channel kept connected from boot. */
@Injectable()
export class GrpcPolicyChecker extends PolicyChecker implements OnModuleInit, OnModuleDestroy {
  private readonly checkPolicy: CheckPolicyMethod;
  private readonly keeper: PortalChannelKeeper;

  constructor(
    private readonly client: Client,
    private readonly clock: Clock,
    metrics?: PortalMetrics,
  ) {
    super();
    this.checkPolicy = (client as unknown as { CheckPolicy: CheckPolicyMethod }).CheckPolicy.bind(client);
    this.keeper = new PortalChannelKeeper(client.getChannel(), (state) => metrics?.channelState(state));
  }

  onModuleInit(): void {
    this.keeper.start();
  }

  check(query: PolicyQuery, timeoutMs: number): Promise<PolicyVerdict> {
    const request = toCheckPolicyRequest(query, this.clock.nowMs());
    return new Promise<PolicyVerdict>((resolve, reject) => {
      this.checkPolicy(request, new Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (error, response) => {
        if (error !== null) {
          reject(portalFailureOf(error, 'CheckPolicy'));
          return;
        }
        try {
          resolve(toPolicyVerdict(response ?? ({} as CheckPolicyResponse)));
        } catch (invalid) {
          reject(invalid);
        }
      });
    });
  }

  onModuleDestroy(): void {
    this.keeper.stop();
    this.client.close();
  }
}

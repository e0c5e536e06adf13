import type { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import { PortalConnectionAuthorizer } from '../resilience/portal-connection.authorizer';
import { loadPolicyFile } from '../policy/policy-file.loader';
import { ConnectionAuthorizer } from './connection-authorizer';
import { LocalPolicyAuthorizer } from './local-policy.authorizer';
import { StaticConnectionAuthorizer } from './static-connection-authorizer';

/** The ConnectionAuthorizer of `authorization.mode`; callers never know which. */
export const connectionAuthorizerProvider: Provider = {
  provide: ConnectionAuthorizer,
  inject: [ConfigService, PortalConnectionAuthorizer],
  useFactory: (config: ConfigService<AgentConfig, true>, portal: PortalConnectionAuthorizer): ConnectionAuthorizer => {
    const mode = config.get('authorization', { infer: true }).mode;
    switch (mode) {
      case 'portal':
        return portal;
      case 'local':
        // Already validated by the config loader at boot; read once here.
        return new LocalPolicyAuthorizer(loadPolicyFile(config.get('authorization', { infer: true }).local.policy_file));
      case 'static':
        return new StaticConnectionAuthorizer(config);
    }
  },
};

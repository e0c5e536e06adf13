import type { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import { PortalConnectionAuthorizer } from '../resilience/portal-connection.authorizer';
import { ConnectionAuthorizer } from './connection-authorizer';
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
        throw new Error('authorization.mode "local" is not wired yet');
      case 'static':
        return new StaticConnectionAuthorizer(config);
    }
  },
};

import { Module } from '@nestjs/common';

/**
 * gRPC clients for the portal's AuthService and EventService.
 * An empty shell until its release: wired into the app so the module graph is final.
 */
@Module({})
export class PortalModule {}

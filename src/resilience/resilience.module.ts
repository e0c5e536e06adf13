import { Module } from '@nestjs/common';

/**
 * circuit breaker, decision cache and fail modes for the portal path.
 * An empty shell until its release: wired into the app so the module graph is final.
 */
@Module({})
export class ResilienceModule {}

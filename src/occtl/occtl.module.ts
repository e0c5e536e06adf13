import { Module } from '@nestjs/common';
import { OcctlCapabilities } from './occtl-capabilities';
import { OcctlEventStream } from './occtl-event.stream';
import { OcctlMetrics } from './occtl-metrics';
import { OcctlRunner } from './occtl-runner';
import { OcctlService } from './occtl.service';

/** ocserv control through occtl: typed commands, the live event stream, capability detection. */
@Module({
  providers: [OcctlRunner, OcctlCapabilities, OcctlService, OcctlEventStream, OcctlMetrics],
  exports: [OcctlService, OcctlEventStream, OcctlCapabilities],
})
export class OcctlModule {}

import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The app's own Prometheus registry (not prom-client's global one), so several
 * agents can run in one process (tests) without metric-name collisions.
 */
@Injectable()
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this, prefix: 'ocserv_agent_' });
  }
}

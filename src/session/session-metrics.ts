import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { SessionStore } from './session-store.service';

/** Session gauges, computed from the store at scrape time so they cannot drift from it. */
@Injectable()
export class SessionMetrics {
  constructor(registry: MetricsRegistry, store: SessionStore) {
    new Gauge({
      name: 'ocserv_agent_sessions',
      help: 'VPN sessions the agent currently tracks.',
      registers: [registry],
      collect() {
        this.set(store.count());
      },
    });
    new Gauge({
      name: 'ocserv_agent_session_capacity',
      help: 'Most sessions the store accepts (session.max_sessions).',
      registers: [registry],
      collect() {
        this.set(store.capacity);
      },
    });
  }
}

import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { SessionEventsMetrics } from '../../../src/session-events/session-events-metrics';
import { InMemoryEventOutbox } from '../../support/session-events/in-memory-event-outbox';
import { FakeClock } from '../builders/fake-clock';
import { aConnectBody, anUpdateBody } from '../builders/session-event.builder';

describe(SessionEventsMetrics.name, () => {
  let registry: MetricsRegistry;
  let clock: FakeClock;

  beforeEach(() => {
    registry = new MetricsRegistry();
    clock = new FakeClock();
  });

  it('counts the drops the outbox reports, once each, across scrapes', async () => {
    const connectBytes = Buffer.byteLength(JSON.stringify(aConnectBody()));
    const outbox = new InMemoryEventOutbox(connectBytes);
    new SessionEventsMetrics(registry, outbox, clock);
    outbox.recordConnect(aConnectBody(), clock.nowMs());
    outbox.recordConnect(aConnectBody({ sessionId: 'other' }), clock.nowMs());

    await registry.metrics();
    clock.advanceSeconds(1);
    const text = await registry.metrics();

    expect(text).toContain('ocserv_agent_events_dropped_total{kind="connect"} 1');
  });

  it('reports an empty outbox as no backlog and age 0', async () => {
    new SessionEventsMetrics(registry, new InMemoryEventOutbox(), clock);

    const text = await registry.metrics();

    expect(text).toContain('ocserv_agent_events_backlog{kind="update"} 0');
    expect(text).toContain('ocserv_agent_events_oldest_undelivered_age_seconds 0');
  });

  it('still answers a scrape when the outbox cannot be read', async () => {
    const outbox = new InMemoryEventOutbox();
    outbox.add(anUpdateBody(), clock.nowMs());
    new SessionEventsMetrics(registry, outbox, clock);
    outbox.close();

    const text = await registry.metrics();

    expect(text).toContain('ocserv_agent_events_backlog{kind="update"} 0');
  });
});

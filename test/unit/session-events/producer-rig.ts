import { SystemClock } from '../../../src/clock/clock';
import { SessionEventProducer, type OcservProbe } from '../../../src/session-events/session-event.producer';
import type { SqliteEventOutbox } from '../../../src/session-events/outbox/sqlite-event-outbox';
import type { DisconnectEventBody, StoredEvent } from '../../../src/session-events/session-event';
import type { SessionEndReport } from '../../../src/session/session-lifecycle';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aSessionEnd, aSessionStart } from '../builders/session-lifecycle.builder';
import { aVpnSession } from '../builders/vpn-session.builder';
import type { VpnSession } from '../../../src/session/vpn-session';
import { drain, OutboxWorkspace } from './outbox-workspace';

export const SETTLE_MS = 1_500;
/** How long the producer waits for the probe at most (PROBE_MAX_WAIT_MS in session-event.producer.ts). */
export const PROBE_MAX_WAIT_MS = 3_000;
/** The default session (aVpnSession) connected at FAKE_CLOCK_START_MS; the tests start a minute later, when it ends. */
export const ENDED_AT_MS = FAKE_CLOCK_START_MS + 60_000;

type ProbeReply = 'same' | 'gone' | 'hangs' | 'fails';

/** The injected "is the same ocserv still there?": answers at once as told, or holds every question until answer(). */
export class FakeOcservProbe {
  asked = 0;
  private reply: ProbeReply = 'hangs';
  private readonly held: Array<(same: boolean) => void> = [];

  readonly ask: OcservProbe = () => {
    this.asked += 1;
    switch (this.reply) {
      case 'same':
        return Promise.resolve(true);
      case 'gone':
        return Promise.resolve(false);
      case 'fails':
        return Promise.reject(new Error('occtl: connection refused'));
      case 'hangs':
        return new Promise<boolean>((resolve) => this.held.push(resolve));
    }
  };

  replies(reply: ProbeReply): this {
    this.reply = reply;
    return this;
  }

  /** Answers every question still held: same ocserv (true) or gone (false). */
  answer(same: boolean): void {
    for (const resolve of this.held.splice(0)) resolve(same);
  }
}

/**
 * The producer over the real SqliteEventOutbox in a temp dir, the real clock under jest's fake
 * timers (the test owns Date.now and setTimeout), and a FakeOcservProbe. `pendingAtWake` holds
 * what the outbox held each time the producer woke the deliverer.
 */
export class ProducerRig {
  readonly workspace = new OutboxWorkspace();
  readonly probe = new FakeOcservProbe();
  readonly pendingAtWake: number[] = [];
  outbox: SqliteEventOutbox;
  sut: SessionEventProducer;

  constructor() {
    this.outbox = this.workspace.open();
    this.sut = this.producerOn(this.outbox);
  }

  /** The agent restarted: the outbox file reopened, a producer with nothing in memory. */
  restart(): void {
    this.outbox.close();
    this.outbox = this.workspace.open();
    this.sut = this.producerOn(this.outbox);
  }

  /** The hook's connect of `session`. */
  start(session: VpnSession = aVpnSession()): void {
    this.sut.started(aSessionStart({ session }));
  }

  /** A report, at the current (fake) time, that the default session ended. */
  end(overrides: Partial<SessionEndReport> = {}): void {
    this.sut.ended(aSessionEnd({ atMs: Date.now(), ...overrides }));
  }

  /** Every event recorded, oldest first. Leases them all: nothing is amended after this. */
  recorded(): StoredEvent[] {
    return drain(this.outbox);
  }

  /** The disconnects recorded (see recorded()). */
  disconnects(): Array<StoredEvent & { body: DisconnectEventBody }> {
    return this.recorded().filter((event): event is StoredEvent & { body: DisconnectEventBody } => event.body.kind === 'disconnect');
  }

  /** The one disconnect recorded; fails the test when there is not exactly one. */
  theDisconnect(): StoredEvent & { body: DisconnectEventBody } {
    const found = this.disconnects();
    if (found.length !== 1) throw new Error(`expected one disconnect, found ${found.length}`);
    return found[0] as StoredEvent & { body: DisconnectEventBody };
  }

  dispose(): void {
    this.workspace.dispose();
  }

  private producerOn(outbox: SqliteEventOutbox): SessionEventProducer {
    const producer = new SessionEventProducer(outbox, new SystemClock(), { settleMs: SETTLE_MS }, this.probe.ask);
    producer.onRecorded(() => this.pendingAtWake.push(outbox.stats().pending));
    return producer;
  }
}

/** Lets promise callbacks (the probe's answer and what follows it) run, and moves fake time by `ms`. */
export async function advance(ms = 0): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

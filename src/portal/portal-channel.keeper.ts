import { connectivityState, type Client } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';

type Channel = ReturnType<Client['getChannel']>;

export type PortalChannelState = 'idle' | 'connecting' | 'ready' | 'transient_failure' | 'shutdown';

const STATE_NAMES: Record<number, PortalChannelState> = {
  [connectivityState.IDLE]: 'idle',
  [connectivityState.CONNECTING]: 'connecting',
  [connectivityState.READY]: 'ready',
  [connectivityState.TRANSIENT_FAILURE]: 'transient_failure',
  [connectivityState.SHUTDOWN]: 'shutdown',
};

/**
 * Keeps the portal channel connected from boot on. grpc-js connects a channel only
 * when the first call is made, and drops back to IDLE after its idle timeout or a
 * GOAWAY; measured (bench/storm.bench.ts, issue 14): with a cold channel the first
 * CheckPolicy calls of a 200-client storm waited 240 ms (portal in its own process)
 * to 3.3 s (portal process busy) for the TCP + TLS handshake, with their deadline
 * running. So: connect at start, and whenever the channel goes IDLE, connect again.
 * Reconnects after a failure follow grpc-js's backoff (portal.reconnect_backoff_*).
 */
export class PortalChannelKeeper {
  private readonly logger = new Logger(PortalChannelKeeper.name);
  private stopped = false;

  constructor(
    private readonly channel: Channel,
    private readonly onState: (state: PortalChannelState) => void = () => undefined,
  ) {}

  get state(): PortalChannelState {
    return STATE_NAMES[this.channel.getConnectivityState(false)] ?? 'idle';
  }

  start(): void {
    const current = this.channel.getConnectivityState(true);
    this.report(current);
    this.watch(current);
  }

  stop(): void {
    this.stopped = true;
  }

  private watch(last: number): void {
    if (this.stopped || last === connectivityState.SHUTDOWN) return;
    this.channel.watchConnectivityState(last, Infinity, () => {
      if (this.stopped) return;
      // true: an IDLE channel starts connecting again, so the next storm finds it READY.
      const next = this.channel.getConnectivityState(true);
      this.report(next);
      this.watch(next);
    });
  }

  private report(state: number): void {
    const name = STATE_NAMES[state] ?? 'idle';
    this.onState(name);
    const line = { msg: 'portal channel state', state: name };
    if (name === 'transient_failure') this.logger.warn(line);
    else this.logger.log(line);
  }
}

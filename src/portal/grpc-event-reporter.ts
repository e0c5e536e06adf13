import { Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { ReportConnectResponse, ReportDisconnectResponse, ReportSessionUpdateResponse } from '../generated/vpn/v1/events';
import { ThrottledLog } from '../logging/throttled-log';
import type { StoredEvent } from '../session-events/session-event';
import { EventReporter, type EventAnswer } from './event-reporter';
import {
  toConnectAnswer,
  toDisconnectAnswer,
  toReportConnectRequest,
  toReportDisconnectRequest,
  toReportSessionUpdateRequest,
  toUpdateAnswer,
  type MappedAnswer,
} from './event-wire.mapper';
import { portalCallFailure } from './portal-call-failure';
import { PortalChannelKeeper } from './portal-channel.keeper';
import { PortalFailure, PortalFailureKind } from './portal-failure';
import type { PortalMetrics } from './portal-metrics';

type EventRpc = 'ReportConnect' | 'ReportDisconnect' | 'ReportSessionUpdate';

type UnaryMethod = (
  request: object,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: Record<string, unknown>) => void,
) => void;

/** An answer the portal sent with parts the agent will not use: one warn line per interval per RPC. */
const ANSWER_PROBLEM_LOG_INTERVAL_MS = 10_000;

/**
 * vpn.v1.EventService over its own portal channel (same address, TLS and backoff as
 * AuthService's: portal-client.factory.ts), one deadline per call, the channel kept
 * connected from boot so the first events after a quiet hour do not pay the handshake.
 */
@Injectable()
export class GrpcEventReporter extends EventReporter implements OnModuleInit, OnApplicationShutdown {
  private readonly keeper: PortalChannelKeeper;
  private readonly methods: Readonly<Record<EventRpc, UnaryMethod>>;
  private readonly answerProblems: ThrottledLog;

  constructor(
    private readonly client: Client,
    clock: Clock,
    metrics?: PortalMetrics,
  ) {
    super();
    const method = (rpc: EventRpc): UnaryMethod => (client as unknown as Record<EventRpc, UnaryMethod>)[rpc].bind(client);
    this.methods = { ReportConnect: method('ReportConnect'), ReportDisconnect: method('ReportDisconnect'), ReportSessionUpdate: method('ReportSessionUpdate') };
    this.keeper = new PortalChannelKeeper(client.getChannel(), (state) => metrics?.eventChannelState(state));
    this.answerProblems = new ThrottledLog(new Logger(GrpcEventReporter.name), clock, ANSWER_PROBLEM_LOG_INTERVAL_MS);
  }

  onModuleInit(): void {
    this.keeper.start();
  }

  async report(event: StoredEvent, timeoutMs: number): Promise<EventAnswer> {
    const { body, eventId } = event;
    switch (body.kind) {
      case 'connect': {
        const response = await this.call<ReportConnectResponse>('ReportConnect', toReportConnectRequest(body, eventId), timeoutMs);
        return { kind: 'connect', answer: this.checked('ReportConnect', event, toConnectAnswer(response)) };
      }
      case 'disconnect': {
        const response = await this.call<ReportDisconnectResponse>('ReportDisconnect', toReportDisconnectRequest(body, eventId), timeoutMs);
        return { kind: 'disconnect', answer: this.checked('ReportDisconnect', event, toDisconnectAnswer(response)) };
      }
      case 'update': {
        const response = await this.call<ReportSessionUpdateResponse>('ReportSessionUpdate', toReportSessionUpdateRequest(body, eventId), timeoutMs);
        return { kind: 'update', answer: this.checked('ReportSessionUpdate', event, toUpdateAnswer(response)) };
      }
      default:
        // An outbox row from a newer agent, or a bug: fail the event (it is retried, and counted) rather than the deliverer.
        throw new PortalFailure(PortalFailureKind.Failed, `no EventService RPC for event kind ${JSON.stringify((body as { kind?: unknown }).kind)}`);
    }
  }

  /**
   * Closed at application shutdown, not module destroy: Nest runs every onModuleDestroy
   * before any onApplicationShutdown, and the deliverer drains its calls in the latter
   * (its module imports this one, so its hook runs first).
   */
  onApplicationShutdown(): void {
    this.keeper.stop();
    this.client.close();
  }

  /** The response as proto-loader decoded it; the mappers read every field defensively. */
  private call<TResponse>(rpc: EventRpc, request: object, timeoutMs: number): Promise<Partial<TResponse> | undefined> {
    return new Promise((resolve, reject) => {
      this.methods[rpc](request, new Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (error, response) =>
        error === null ? resolve(response as Partial<TResponse> | undefined) : reject(portalCallFailure(rpc, error)),
      );
    });
  }

  private checked<A>(rpc: EventRpc, event: StoredEvent, mapped: MappedAnswer<A>): A {
    if (mapped.problems.length > 0) {
      this.answerProblems.write('warn', rpc, {
        msg: 'portal answer partly ignored (the event counts as delivered)',
        rpc,
        event_id: event.eventId,
        session_id: event.body.sessionId,
        problems: mapped.problems,
      });
    }
    return mapped.answer;
  }
}

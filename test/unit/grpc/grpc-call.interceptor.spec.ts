import { status as GrpcStatus } from '@grpc/grpc-js';
import type { CallHandler } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { lastValueFrom, Observable, of, Subject, throwError, toArray } from 'rxjs';
import { Role } from '../../../src/access/role.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { GrpcCallInterceptor } from '../../../src/grpc/grpc-call.interceptor';
import { GrpcWireError } from '../../../src/grpc/grpc-wire-error';
import { FakeClock } from '../builders/fake-clock';
import {
  aCallerResolver,
  aGrpcExecutionContext,
  aRecordingRecorder,
  CALLERS,
  FakeGrpcCall,
  FakeHandlerName,
  FakeStreamCall,
  NOTIFY_CONNECT_PATH,
} from '../builders/grpc-call.fake';

const DEADLINE_IN_MS = 5_000;

/** A handler observable that stays open until unsubscribed, and says whether its teardown ran. */
function aLongRunningHandler(): { source: Observable<number>; emit: Subject<number>; tornDown: () => boolean } {
  const emit = new Subject<number>();
  let tornDown = false;
  const source = new Observable<number>((subscriber) => {
    const subscription = emit.subscribe(subscriber);
    return () => {
      tornDown = true;
      subscription.unsubscribe();
    };
  });
  return { source, emit, tornDown: () => tornDown };
}

describe(GrpcCallInterceptor.name, () => {
  let clock: FakeClock;
  let recorder: ReturnType<typeof aRecordingRecorder>;
  let sut: GrpcCallInterceptor;

  beforeEach(() => {
    clock = new FakeClock();
    recorder = aRecordingRecorder();
    sut = new GrpcCallInterceptor(new Reflector(), aCallerResolver(), recorder, clock);
  });

  function aCall(options: ConstructorParameters<typeof FakeGrpcCall>[0] = {}): FakeGrpcCall {
    return new FakeGrpcCall({ commonName: CALLERS.operator, deadline: new Date(clock.nowMs() + DEADLINE_IN_MS), ...options });
  }

  function aHandler(source: Observable<unknown>): CallHandler & { handle: jest.Mock } {
    return { handle: jest.fn(() => source) };
  }

  function intercept(call: FakeGrpcCall, next: CallHandler, handler: FakeHandlerName = 'notifyConnect'): Observable<unknown> {
    return sut.intercept(aGrpcExecutionContext(call, handler), next);
  }

  function errorOf(observable: Observable<unknown>): Promise<unknown> {
    return lastValueFrom(observable).then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: unknown) => error,
    );
  }

  describe('a call that can still be served', () => {
    it('passes every value of the handler through', async () => {
      const values = await lastValueFrom(intercept(aCall(), aHandler(of(1, 2, 3))).pipe(toArray()));

      expect(values).toEqual([1, 2, 3]);
    });

    it('records one OK outcome with the method, the resolved caller and a duration', async () => {
      await lastValueFrom(intercept(aCall(), aHandler(of('done'))));

      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record).toHaveBeenCalledWith({
        method: NOTIFY_CONNECT_PATH,
        caller: {
          identity: { commonNames: [CALLERS.operator], subjectAltNames: [], display: CALLERS.operator },
          role: Role.Operator,
          peer: 'ipv4:192.0.2.10:51000',
        },
        code: 'OK',
        durationMs: expect.any(Number),
        details: undefined,
        auditTarget: 'user=alice session=sess-alice-1',
      });
    });

    it('records no audit target for a handler that is not @Audited', async () => {
      await lastValueFrom(intercept(aCall({ path: '/agent.v1.VPNAgentService/GetActiveSessions' }), aHandler(of([])), 'getActiveSessions'));

      expect(recorder.record.mock.calls[0]?.[0].auditTarget).toBeUndefined();
    });

    it('names the method Class.handler when the call has no path', async () => {
      await lastValueFrom(intercept(aCall({ path: '' }), aHandler(of(1)), 'getActiveSessions'));

      expect(recorder.record.mock.calls[0]?.[0].method).toBe('FakeVpnController.getActiveSessions');
    });

    it('serves a call without a deadline', async () => {
      await expect(lastValueFrom(intercept(aCall({ deadline: Infinity }), aHandler(of('ok'))))).resolves.toBe('ok');
    });

    it('stops listening for cancellation once the call ends', async () => {
      const call = aCall();

      await lastValueFrom(intercept(call, aHandler(of(1))));

      expect(call.listenerCount('cancelled')).toBe(0);
    });

    it('does not record again when the client cancels after the call ended', async () => {
      const call = aCall();
      await lastValueFrom(intercept(call, aHandler(of(1))));

      call.cancelByClient();

      expect(recorder.record).toHaveBeenCalledTimes(1);
    });
  });

  describe('a server stream whose source completed', () => {
    it('records OK only once grpc-js has written every message', async () => {
      const call = new FakeStreamCall({ commonName: CALLERS.operator });
      await lastValueFrom(intercept(call, aHandler(of(1, 2)), 'streamLogs'));
      expect(recorder.record).not.toHaveBeenCalled();

      call.deliverAll();

      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({ code: 'OK' });
    });

    it('records CANCELLED when the client goes away with messages still unwritten', async () => {
      const call = new FakeStreamCall({ commonName: CALLERS.operator });
      await lastValueFrom(intercept(call, aHandler(of(1, 2)), 'streamLogs'));

      call.cancelByClient();
      call.deliverAll();

      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({ code: 'CANCELLED' });
    });

    it('records a unary call at once although grpc-js hands it the same writable call', async () => {
      const call = new FakeStreamCall({ commonName: CALLERS.operator });
      await lastValueFrom(intercept(call, aHandler(of(1))));

      expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({ code: 'OK' });
    });

    it('records CANCELLED when the call closes without finishing', async () => {
      const call = new FakeStreamCall({ commonName: CALLERS.operator });
      await lastValueFrom(intercept(call, aHandler(of(1)), 'streamLogs'));

      call.emit('close');

      expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({ code: 'CANCELLED' });
    });
  });

  describe('a call refused before it starts', () => {
    it('answers DEADLINE_EXCEEDED without calling the handler when the deadline has passed', async () => {
      const next = aHandler(of('never'));

      const error = await errorOf(intercept(aCall({ deadline: new Date(clock.nowMs() - 1) }), next));

      expect(error).toBeInstanceOf(GrpcWireError);
      expect(error).toMatchObject({ code: GrpcStatus.DEADLINE_EXCEEDED });
      expect(next.handle).not.toHaveBeenCalled();
    });

    it('treats a deadline of exactly now as passed', async () => {
      const error = await errorOf(intercept(aCall({ deadline: clock.nowMs() }), aHandler(of('never'))));

      expect(error).toMatchObject({ code: GrpcStatus.DEADLINE_EXCEEDED });
    });

    it('records the refused call once as DEADLINE_EXCEEDED', async () => {
      await errorOf(intercept(aCall({ deadline: new Date(clock.nowMs() - 1) }), aHandler(of('never'))));

      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({
        code: 'DEADLINE_EXCEEDED',
        details: 'deadline exceeded before the agent started the call',
        auditTarget: 'user=alice session=sess-alice-1',
      });
    });

    it('answers CANCELLED without calling the handler when the client already cancelled', async () => {
      const call = aCall();
      call.cancelled = true;
      const next = aHandler(of('never'));

      const error = await errorOf(intercept(call, next));

      expect(error).toMatchObject({ code: GrpcStatus.CANCELLED });
      expect(next.handle).not.toHaveBeenCalled();
      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0].code).toBe('CANCELLED');
    });
  });

  describe('a call the client abandons while it runs', () => {
    it('unsubscribes the handler when the client cancels', () => {
      const handler = aLongRunningHandler();
      const call = aCall();
      intercept(call, aHandler(handler.source)).subscribe();
      handler.emit.next(1);

      call.cancelByClient();

      expect(handler.tornDown()).toBe(true);
    });

    it('records the call once as CANCELLED', () => {
      const handler = aLongRunningHandler();
      const call = aCall();
      intercept(call, aHandler(handler.source)).subscribe();

      call.cancelByClient();

      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({ code: 'CANCELLED', details: 'call cancelled by the client' });
    });

    it('records DEADLINE_EXCEEDED when the cancellation comes from the passed deadline', () => {
      const handler = aLongRunningHandler();
      const call = aCall();
      intercept(call, aHandler(handler.source)).subscribe();

      clock.advanceMs(DEADLINE_IN_MS);
      call.cancelByClient();

      expect(handler.tornDown()).toBe(true);
      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0].code).toBe('DEADLINE_EXCEEDED');
    });

    it('records CANCELLED when the transport unsubscribes before the cancelled event is heard', () => {
      const handler = aLongRunningHandler();
      const subscription = intercept(aCall(), aHandler(handler.source)).subscribe();

      subscription.unsubscribe();

      expect(handler.tornDown()).toBe(true);
      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0].code).toBe('CANCELLED');
    });

    it('stops emitting handler values after the cancellation', () => {
      const handler = aLongRunningHandler();
      const call = aCall();
      const received: unknown[] = [];
      intercept(call, aHandler(handler.source)).subscribe((value) => received.push(value));
      handler.emit.next(1);

      call.cancelByClient();
      handler.emit.next(2);

      expect(received).toEqual([1]);
    });
  });

  describe('a handler that fails', () => {
    it('turns a plain Error into a GrpcWireError with status INTERNAL', async () => {
      const error = await errorOf(intercept(aCall(), aHandler(throwError(() => new Error('ENOENT /etc/ocserv/secret')))));

      expect(error).toBeInstanceOf(GrpcWireError);
      expect(error).toMatchObject({ code: GrpcStatus.INTERNAL });
      expect((error as GrpcWireError).details).not.toContain('ENOENT');
    });

    it('records the INTERNAL failure once with the reference the caller sees', async () => {
      const error = (await errorOf(intercept(aCall(), aHandler(throwError(() => new TypeError('boom')))))) as GrpcWireError;

      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({ code: 'INTERNAL', details: error.details });
      expect(error.details).toContain(error.reference);
    });

    it('keeps the status and message of an AgentError', async () => {
      const error = await errorOf(intercept(aCall(), aHandler(throwError(() => AgentError.invalidArgument('username is required')))));

      expect(error).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT, details: 'username is required' });
      expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({ code: 'INVALID_ARGUMENT', details: 'username is required' });
    });

    it('keeps the failure it records, not a cancellation that follows it', async () => {
      const call = aCall();
      await errorOf(intercept(call, aHandler(throwError(() => AgentError.notFound('no such session')))));

      call.cancelByClient();

      expect(recorder.record).toHaveBeenCalledTimes(1);
      expect(recorder.record.mock.calls[0]?.[0].code).toBe('NOT_FOUND');
    });
  });
});

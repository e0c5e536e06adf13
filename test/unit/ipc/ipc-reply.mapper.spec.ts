import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { encodeReply } from '../../../src/ipc/framing/reply-encoding';
import { outcomeOfReply, toConnectReply, toIpcErrorAnswer, toLegacyReply } from '../../../src/ipc/ipc-reply.mapper';
import { aDenyDecision, anAllowDecision } from '../builders/vpn-request.builder';

describe('ipc-reply.mapper', () => {
  describe(toConnectReply.name, () => {
    it('answers an allow with its source only', () => {
      expect(toConnectReply(anAllowDecision({ source: 'cache' }))).toEqual({ allowed: true, source: 'cache' });
    });

    it('answers a deny with its source and reason', () => {
      expect(toConnectReply({ ...aDenyDecision('portal unavailable'), source: 'fail-close' })).toEqual({
        allowed: false,
        source: 'fail-close',
        reason: 'portal unavailable',
      });
    });
  });

  describe(toIpcErrorAnswer.name, () => {
    it('answers a failed connect with allowed:false and the AgentError message', () => {
      expect(toIpcErrorAnswer(AgentError.invalidArgument('env.USERNAME is required'), 'connect')).toEqual({
        reply: { allowed: false, error: 'env.USERNAME is required' },
        outcome: 'invalid',
      });
    });

    it.each(['disconnect', 'host-update'] as const)('answers a failed %s with ok:false', (op) => {
      expect(toIpcErrorAnswer(AgentError.failedPrecondition('another user'), op).reply).toEqual({ ok: false, error: 'another user' });
    });

    it('answers allowed:false when the op is not known', () => {
      expect(toIpcErrorAnswer(AgentError.invalidArgument('bad'), undefined).reply).toEqual({ allowed: false, error: 'bad' });
    });

    it.each([
      [AgentErrorCode.InvalidArgument, 'invalid'],
      [AgentErrorCode.NotFound, 'refused'],
      [AgentErrorCode.FailedPrecondition, 'refused'],
      [AgentErrorCode.PermissionDenied, 'refused'],
      [AgentErrorCode.ResourceExhausted, 'refused'],
      [AgentErrorCode.NotImplemented, 'refused'],
      [AgentErrorCode.Unavailable, 'unavailable'],
      [AgentErrorCode.Cancelled, 'unavailable'],
      [AgentErrorCode.DeadlineExceeded, 'timeout'],
      [AgentErrorCode.Internal, 'error'],
    ])('reports %s as outcome %s', (code, outcome) => {
      expect(toIpcErrorAnswer(new AgentError(code, 'x'), 'connect').outcome).toBe(outcome);
    });

    it('hides an unexpected error behind a reference and keeps it as the cause', () => {
      const cause = new TypeError('cannot read properties of undefined');

      const answer = toIpcErrorAnswer(cause, 'connect');

      expect(answer.reply).toEqual({ allowed: false, error: `internal error in the agent (reference ${answer.reference})` });
      expect(answer.reference).toMatch(/^[0-9a-f]{12}$/);
      expect(answer.cause).toBe(cause);
      expect(answer.outcome).toBe('error');
    });
  });

  describe(outcomeOfReply.name, () => {
    it('tells allowed, denied and ok apart', () => {
      expect(outcomeOfReply({ allowed: true, source: 'static' })).toBe('allowed');
      expect(outcomeOfReply({ allowed: false, source: 'static', reason: 'no' })).toBe('denied');
      expect(outcomeOfReply({ ok: true })).toBe('ok');
    });
  });

  describe(toLegacyReply.name, () => {
    it('carries the source of an allow as message', () => {
      expect(toLegacyReply({ allowed: true, source: 'portal' })).toEqual({ allowed: true, message: 'portal' });
    });

    it('carries the reason of a deny as message', () => {
      expect(toLegacyReply({ allowed: false, source: 'portal', reason: 'disabled account' })).toEqual({ allowed: false, message: 'disabled account' });
    });

    it('answers an ack as allowed, a failed ack and an error as not allowed with the error', () => {
      expect(toLegacyReply({ ok: true })).toEqual({ allowed: true });
      expect(toLegacyReply({ ok: false, error: 'not yours' })).toEqual({ allowed: false, error: 'not yours' });
      expect(toLegacyReply({ allowed: false, error: 'bad' })).toEqual({ allowed: false, error: 'bad' });
    });
  });

  describe(encodeReply.name, () => {
    it('writes a JSON line for JSON lines and for a connection whose framing is unknown', () => {
      expect(encodeReply('ndjson', { ok: true }).toString()).toBe('{"ok":true}\n');
      expect(encodeReply(undefined, { allowed: false, error: 'x' }).toString()).toBe('{"allowed":false,"error":"x"}\n');
    });

    it('writes a length-prefixed legacy answer for the earlier framing', () => {
      const encoded = encodeReply('legacy', { allowed: true, source: 'static' });

      expect(encoded.readUInt32BE(0)).toBe(encoded.length - 4);
      expect(JSON.parse(encoded.subarray(4).toString())).toEqual({ allowed: true, message: 'static' });
    });
  });
});

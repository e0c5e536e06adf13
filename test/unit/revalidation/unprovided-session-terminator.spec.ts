import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { UnprovidedSessionTerminator } from '../../../src/revalidation/unprovided-session-terminator';
import { agentErrorFromAsync } from '../builders/caught-error';

describe(UnprovidedSessionTerminator.name, () => {
  it('refuses every order with NOT_IMPLEMENTED, so a revoked session is counted as an end failure, never silently kept', async () => {
    const sut = new UnprovidedSessionTerminator();

    const error = await agentErrorFromAsync(sut.end({ sessionId: 's1', username: 'alice', reason: 'POLICY_VIOLATION', detail: 'test' }));

    expect(error.code).toBe(AgentErrorCode.NotImplemented);
  });
});

import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { AgentLogRing } from '../../../src/logs/agent-log-ring';
import { AgentLogSource } from '../../../src/logs/agent-log.source';
import { FileLogSource } from '../../../src/logs/file-log.source';
import { JournaldLogSource } from '../../../src/logs/journald-log.source';
import type { LogQuery } from '../../../src/logs/log-line';
import { LogStreamService } from '../../../src/logs/log-stream.service';
import type { OcservLogConfig } from '../../../src/logs/ocserv-log.config';
import { FakeClock } from '../builders/fake-clock';
import { aLogQuery, anAgentLogLine, anOcservLogConfig, collect, FakeLogFileProbe, FakeLogProcessRunner, settle } from './log-fakes';

describe(LogStreamService.name, () => {
  let ring: AgentLogRing;
  let runner: FakeLogProcessRunner;

  function build(config: OcservLogConfig = anOcservLogConfig()): LogStreamService {
    return new LogStreamService(
      new AgentLogSource(ring),
      new JournaldLogSource(runner, config),
      new FileLogSource(runner, new FakeLogFileProbe(), new FakeClock(), config),
      config,
    );
  }

  beforeEach(() => {
    ring = new AgentLogRing(10);
    runner = new FakeLogProcessRunner();
  });

  it('reads the agent source from the ring', () => {
    ring.append(anAgentLogLine({ msg: 'from the ring' }));

    expect(collect(build().stream(aLogQuery({ source: 'agent' }))).values.map((line) => line.message)).toEqual(['from the ring']);
  });

  it('reads the ocserv source from the journal unit in journald mode', () => {
    collect(build(anOcservLogConfig({ source: 'journald', unit: 'ocserv' })).stream(aLogQuery({ source: 'ocserv' })));

    expect(runner.lastArgs.slice(0, 2)).toEqual(['-u', 'ocserv']);
  });

  it('reads the ocserv source with tail in file mode', async () => {
    collect(build(anOcservLogConfig({ source: 'file', file: '/var/log/ocserv.log' })).stream(aLogQuery({ source: 'ocserv' })));
    await settle();

    expect(runner.commands[0]?.path).toBe('tail');
  });

  it('reads the system source from the whole journal, whatever ocserv.log.source says', () => {
    collect(build(anOcservLogConfig({ source: 'file', file: '/var/log/ocserv.log' })).stream(aLogQuery({ source: 'system' })));

    expect(runner.lastArgs).not.toContain('-u');
  });

  it('starts nothing until subscribed', () => {
    build().stream(aLogQuery({ source: 'system' }));

    expect(runner.commands).toEqual([]);
  });

  it('fails an unknown source with INVALID_ARGUMENT through the observable, listing the valid ones', () => {
    const query = { ...aLogQuery(), source: 'kernel' } as unknown as LogQuery;

    const stream = build().stream(query);
    const result = collect(stream);

    expect(result.error).toBeInstanceOf(AgentError);
    expect((result.error as AgentError).code).toBe(AgentErrorCode.InvalidArgument);
    expect((result.error as AgentError).message).toBe('log source must be one of agent, ocserv, system; got "kernel"');
  });

  it('fails a start time that is not a finite number with INVALID_ARGUMENT', () => {
    const result = collect(build().stream(aLogQuery({ sinceMs: Number.NaN })));

    expect((result.error as AgentError).code).toBe(AgentErrorCode.InvalidArgument);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { occtlUnreachable } from '../../../src/occtl/occtl-failure';
import type { OcctlRunResult } from '../../../src/occtl/occtl-runner';

const SOCKET_MISSING = readFileSync(join(__dirname, '..', '..', 'fixtures', 'occtl', '1.1.6', 'socket-missing.stderr.txt'), 'utf8');

const aRun = (overrides: Partial<OcctlRunResult>): OcctlRunResult => ({
  exitCode: 0,
  stdout: '',
  stderr: '',
  timedOut: false,
  outputTruncated: false,
  durationMs: 3,
  ...overrides,
});

describe(occtlUnreachable.name, () => {
  it('reads what occtl 1.1.6 prints when the socket is missing as ocserv not answering', () => {
    const error = occtlUnreachable(aRun({ exitCode: 1, stderr: SOCKET_MISSING }), 'show users', '/run/occtl.socket', 10_000);
    expect(error?.code).toBe(AgentErrorCode.Unavailable);
    expect(error?.message).toContain('ocserv is not answering on its control socket /run/occtl.socket (ocserv.socket_file)');
    expect(error?.message).toContain('No such file or directory');
  });

  it('reports a timeout with the command and the time allowed', () => {
    const error = occtlUnreachable(aRun({ exitCode: null, timedOut: true }), 'show status', '/run/occtl.socket', 1000);
    expect(error?.message).toContain('did not answer "show status" within 1000 ms');
  });

  it('reports output past the cap', () => {
    expect(occtlUnreachable(aRun({ exitCode: null, outputTruncated: true }), 'show users', '/s', 1)?.message).toContain(
      'max_output_bytes',
    );
  });

  it('leaves a command ocserv refused to its exit code', () => {
    expect(occtlUnreachable(aRun({ exitCode: 1, stderr: "could not disconnect user 'bob'\n" }), 'disconnect user', '/s', 1)).toBeUndefined();
  });
});

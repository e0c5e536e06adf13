import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { OcctlRunner } from '../../../src/occtl/occtl-runner';
import { anAgentConfig, configServiceFor } from '../../unit/builders/agent-config.builder';

/*
 * The runner against real child processes. Stand-in executables replace occtl
 * here because the behaviours under test (a hung occtl, a flood of output)
 * cannot be provoked from a healthy ocserv; the real occtl is exercised in
 * test/integration/ocserv.
 */
describe(OcctlRunner.name, () => {
  let dir: string;

  const script = (name: string, body: string): string => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const runnerFor = (occtlPath: string, ocserv: Record<string, unknown> = {}) =>
    new OcctlRunner(
      configServiceFor(anAgentConfig({ ocserv: { occtl_path: occtlPath, socket_file: '/tmp/lab/occtl.sock', ...ocserv } })),
    );

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'occtl-runner-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes arguments as argv, socket first, with no shell in between', async () => {
    const sut = runnerFor(script('argv', 'for a in "$@"; do printf "%s\\n" "$a"; done; echo "LC_ALL=$LC_ALL"'));
    const result = await sut.run(['show', 'user', '$(id);`id`|x']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['-s', '/tmp/lab/occtl.sock', 'show', 'user', '$(id);`id`|x', 'LC_ALL=C', '']);
  });

  it('reports the real exit code and stderr', async () => {
    const sut = runnerFor(script('fails', 'echo "could not disconnect" >&2; exit 3'));
    await expect(sut.run(['disconnect', 'id', '1'])).resolves.toMatchObject({ exitCode: 3, stderr: 'could not disconnect\n', timedOut: false });
  });

  it('kills a child that outlives its timeout', async () => {
    const sut = runnerFor(script('hangs', 'exec sleep 30'));
    const started = Date.now();
    const result = await sut.run(['show', 'users'], { timeoutMs: 200 });
    expect(result).toMatchObject({ timedOut: true, exitCode: null });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('kills a child that prints more than max_output_bytes and keeps nothing past the cap', async () => {
    const sut = runnerFor(script('floods', 'exec head -c 50000000 /dev/zero'), { max_output_bytes: 64 * 1024 });
    const result = await sut.run(['show', 'users']);
    expect(result.outputTruncated).toBe(true);
    expect(result.stdout.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('runs at most max_concurrent_commands children at once', async () => {
    const log = join(dir, 'concurrency.log');
    writeFileSync(log, '');
    const sut = runnerFor(script('slow', `echo start >> ${log}; sleep 0.3; echo end >> ${log}`), { max_concurrent_commands: 2 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => sut.run(['show', 'status'])));
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
    let running = 0;
    let peak = 0;
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      running += line === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
  });

  it('fails UNAVAILABLE with a hint when occtl is not installed', async () => {
    const sut = runnerFor(join(dir, 'no-such-occtl'));
    await expect(sut.run(['show', 'status'])).rejects.toMatchObject({
      code: AgentErrorCode.Unavailable,
      message: expect.stringContaining('is the ocserv package installed?'),
    });
  });
});

import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import type { OcctlActionResult, OcctlService } from '../../../src/occtl/occtl.service';
import type { OcctlStatus } from '../../../src/occtl/occtl-records';
import type { ConfigFileWriter, ConfigTarget, WriteResult } from '../../../src/user-config/config-file.writer';
import { MainConfigChecks } from '../../../src/user-config/main-config.checks';
import { MainConfigService } from '../../../src/user-config/main-config.service';
import type { OcservConfigTester, OcservConfigTestResult } from '../../../src/user-config/ocserv-config.tester';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { agentErrorFromAsync } from '../builders/caught-error';
import { AGENT_SOCKET, aMainConf } from '../builders/ocserv-main-conf.builder';

const PATH = '/etc/ocserv/ocserv.conf';
const CURRENT = aMainConf();
const CANDIDATE = aMainConf('route = 10.0.0.0/8');

/** ocserv.conf and its backups in memory; every call recorded. */
class MemoryWriter {
  file: string | undefined = CURRENT;
  readonly backups = new Map<string, string>();
  readonly calls: string[] = [];
  failRestore = false;

  read(): Promise<string | undefined> {
    return Promise.resolve(this.file);
  }

  write(target: ConfigTarget, content: string, options: { backup: boolean }): Promise<WriteResult> {
    this.calls.push(`write backup=${options.backup}`);
    let backupPath = '';
    if (options.backup && this.file !== undefined) {
      backupPath = `${target.dir}/.backups/${target.name}.${this.backups.size + 1}`;
      this.backups.set(backupPath, this.file);
    }
    this.file = content;
    return Promise.resolve({ path: `${target.dir}/${target.name}`, backupPath, changed: true });
  }

  restore(target: ConfigTarget, backupPath: string): Promise<WriteResult> {
    this.calls.push(`restore ${backupPath}`);
    if (this.failRestore) return Promise.reject(AgentError.failedPrecondition('config dir /etc/ocserv is not writable (EROFS)'));
    this.file = this.backups.get(backupPath);
    return Promise.resolve({ path: `${target.dir}/${target.name}`, backupPath: '', changed: true });
  }
}

class ScriptedTester {
  result: OcservConfigTestResult = { ok: true, problems: [], warnings: [] };
  readonly tested: string[] = [];

  test(content: string): Promise<OcservConfigTestResult> {
    this.tested.push(content);
    return Promise.resolve(this.result);
  }
}

/** occtl answering from a script: each showStatus takes the next answer (the last one repeats). */
class ScriptedOcctl {
  readonly socketFile = AGENT_SOCKET;
  statuses: Array<Partial<OcctlStatus> | Error> = [{}];
  reloads: Array<OcctlActionResult | Error> = [{ ok: true, exitCode: 0, message: 'Server scheduled to reload' }];
  reloadCount = 0;

  showStatus(): Promise<OcctlStatus> {
    const next = this.statuses.length > 1 ? this.statuses.shift() : this.statuses[0];
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve({ status: 'online', serverPid: 100, secModPid: 101, upSinceMs: 1, activeSessions: 0, totalSessions: 0,
      ipsInBanList: 0, totalAuthenticationFailures: 0, rxBytes: 0, txBytes: 0, ...next });
  }

  reload(): Promise<OcctlActionResult> {
    const next = this.reloads.length > 1 ? this.reloads.shift() : this.reloads[0];
    this.reloadCount += 1;
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next as OcctlActionResult);
  }
}

const down = () => AgentError.unavailable('ocserv is not answering on its control socket');

describe(MainConfigService.name, () => {
  let writer: MemoryWriter;
  let tester: ScriptedTester;
  let occtl: ScriptedOcctl;
  let sut: MainConfigService;

  const build = (allowUpdates = true) => {
    writer = new MemoryWriter();
    tester = new ScriptedTester();
    occtl = new ScriptedOcctl();
    const config = anAgentConfig({ main_config: { allow_updates: allowUpdates, path: PATH, reload_settle_ms: 1 } });
    sut = new MainConfigService(configServiceFor(config), new MainConfigChecks(), tester as unknown as OcservConfigTester,
      writer as unknown as ConfigFileWriter, occtl as unknown as OcctlService);
  };
  const update = (content = CANDIDATE, validateOnly = false, backup = true) => sut.update(content, { validateOnly, backup });

  beforeEach(() => build());

  it('is refused with FAILED_PRECONDITION while main_config.allow_updates is false, touching nothing', async () => {
    build(false);
    const error = await agentErrorFromAsync(update());
    expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
    expect(error.message).toContain('main_config.allow_updates is false');
    expect(tester.tested).toEqual([]);
    expect(writer.calls).toEqual([]);
  });

  it("refuses what the agent's own checks reject before running ocserv -t", async () => {
    const error = await agentErrorFromAsync(update(aMainConf('max-clients = abc')));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(error.message).toMatch(/untouched: config_content line 10: max-clients = "abc"/);
    expect(tester.tested).toEqual([]);
    expect(writer.file).toBe(CURRENT);
  });

  it('refuses with INVALID_ARGUMENT and ocserv\'s own words what ocserv -t rejects, touching nothing', async () => {
    tester.result = { ok: false, problems: ["cannot figure format of route '10.0.0.0/33'"], warnings: [] };
    const error = await agentErrorFromAsync(update());
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(error.message).toBe(
      `config_content refused by ocserv --test-config, ${PATH} untouched: cannot figure format of route '10.0.0.0/33'`,
    );
    expect(writer.calls).toEqual([]);
    expect(occtl.reloadCount).toBe(0);
  });

  it('validate_only checks and stops: nothing written, nothing reloaded, warnings reported', async () => {
    tester.result = { ok: true, problems: [], warnings: ["warning: skipping unknown option 'foo-bar'"] };
    const result = await update(aMainConf('foo-bar = 1'), true);
    expect(result).toMatchObject({ success: true, applied: false, rolledBack: false, backupPath: '' });
    expect(result.validationResult).toContain('ocserv --test-config: ok');
    expect(result.validationResult).toContain('warning: config_content line 10: unknown option "foo-bar"');
    expect(result.validationResult).toContain("warning: ocserv: warning: skipping unknown option 'foo-bar'");
    expect(writer.calls).toEqual([]);
    expect(occtl.reloadCount).toBe(0);
  });

  it('writes with a backup, reloads, and answers success with the backup path', async () => {
    const result = await update();
    expect(result).toMatchObject({ success: true, applied: true, rolledBack: false, errorMessage: '', change: '+1 -0 lines' });
    expect(result.backupPath).toBe('/etc/ocserv/.backups/ocserv.conf.1');
    expect(writer.file).toBe(CANDIDATE);
    expect(occtl.reloadCount).toBe(1);
    expect(result.validationResult).toContain('reloaded: ocserv answering');
  });

  it('honours create_backup=false and still rolls back from the bytes it read', async () => {
    occtl.statuses = [{}, down()];
    occtl.reloads = [{ ok: true, exitCode: 0, message: '' }];
    const result = await update(CANDIDATE, false, false);
    expect(writer.calls).toEqual(['write backup=false', 'write backup=false']);
    expect(result).toMatchObject({ success: false, rolledBack: true, backupPath: '' });
    expect(writer.file).toBe(CURRENT);
  });

  it('does not write or reload a file equal to the one in place', async () => {
    const result = await update(CURRENT);
    expect(result).toMatchObject({ success: true, applied: false });
    expect(result.validationResult).toContain('unchanged');
    expect(writer.calls).toEqual([]);
  });

  it('refuses when ocserv is not answering before the write (a change could not be verified)', async () => {
    occtl.statuses = [down()];
    const error = await agentErrorFromAsync(update());
    expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
    expect(writer.calls).toEqual([]);
  });

  it('rolls back and reloads the previous file when ocserv refuses the reload', async () => {
    occtl.reloads = [{ ok: false, exitCode: 1, message: 'could not reload' }, { ok: true, exitCode: 0, message: '' }];
    const result = await update();
    expect(result).toMatchObject({ success: false, applied: false, rolledBack: true, backupPath: '/etc/ocserv/.backups/ocserv.conf.1' });
    expect(result.errorMessage).toBe('rolled back: ocserv refused the reload: could not reload; the previous file is back in place and reloaded');
    expect(writer.calls).toEqual(['write backup=true', 'restore /etc/ocserv/.backups/ocserv.conf.1']);
    expect(writer.file).toBe(CURRENT);
    expect(occtl.reloadCount).toBe(2);
  });

  it('rolls back when ocserv answers the reload but then restarts with another pid', async () => {
    occtl.statuses = [{ serverPid: 100 }, { serverPid: 200 }];
    const result = await update();
    expect(result.rolledBack).toBe(true);
    expect(result.errorMessage).toContain('ocserv restarted after the reload (pid 100 -> 200)');
    expect(writer.file).toBe(CURRENT);
  });

  it('rolls back and says ocserv needs a restart when it died after the reload', async () => {
    occtl.statuses = [{}, down()];
    const result = await update();
    expect(result).toMatchObject({ success: false, rolledBack: true });
    expect(result.errorMessage).toMatch(/^rolled back: ocserv stopped answering after the reload: .*; the previous file is back in place but ocserv is not running/);
    expect(result.errorMessage).toContain('with a systemd Restart= policy it comes back by itself, on the restored file');
    expect(writer.file).toBe(CURRENT);
    expect(occtl.reloadCount).toBe(1);
  });

  it('rolls back when occtl reload itself cannot reach ocserv', async () => {
    occtl.reloads = [down(), { ok: true, exitCode: 0, message: '' }];
    const result = await update();
    expect(result.errorMessage).toMatch(/^rolled back: occtl reload failed: ocserv is not answering/);
    expect(writer.file).toBe(CURRENT);
  });

  it('says so loudly when the rollback itself fails', async () => {
    occtl.statuses = [{}, down()];
    writer.failRestore = true;
    const result = await update();
    expect(result).toMatchObject({ success: false, rolledBack: false });
    expect(result.errorMessage).toContain(`ROLLBACK FAILED, ${PATH} holds the rejected file: config dir /etc/ocserv is not writable (EROFS)`);
  });

  it('refuses when there is no ocserv.conf to replace', async () => {
    writer.file = undefined;
    const error = await agentErrorFromAsync(update());
    expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
    expect(error.message).toContain('does not exist');
  });

  it('runs concurrent updates one after the other', async () => {
    const order: string[] = [];
    const original = occtl.reload.bind(occtl);
    occtl.reload = async () => {
      order.push(`reload with ${writer.file === CANDIDATE ? 'A' : 'B'}`);
      return original();
    };
    const other = aMainConf('route = 10.2.0.0/16');
    await Promise.all([update(CANDIDATE), update(other)]);
    expect(order).toEqual(['reload with A', 'reload with B']);
    expect(writer.file).toBe(other);
  });
});

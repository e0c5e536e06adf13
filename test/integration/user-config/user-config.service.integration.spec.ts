import { Logger } from '@nestjs/common';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../../src/clock/clock';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { applyChanges } from '../../../src/user-config/config-edits';
import { ConfigFileSystem } from '../../../src/user-config/config-file.adapter';
import { ConfigFileWriter } from '../../../src/user-config/config-file.writer';
import { MANAGED_HEADER } from '../../../src/user-config/ocserv-config.renderer';
import { UserConfigService } from '../../../src/user-config/user-config.service';
import { anAgentConfig, configServiceFor } from '../../unit/builders/agent-config.builder';
import { agentErrorFromAsync } from '../../unit/builders/caught-error';

/* UserConfigService over the real ConfigFileWriter on a temp dir: what an RPC does to the file. */
describe(UserConfigService.name, () => {
  let root: string;
  let users: string;
  let sut: UserConfigService;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'user-config-service-'));
    users = join(root, 'users');
    mkdirSync(users);
    mkdirSync(join(root, 'groups'));
    const config = configServiceFor(
      anAgentConfig({ ocserv: { config_per_user_dir: users, config_per_group_dir: join(root, 'groups') }, user_config: { file_mode: '0600' as never, max_file_bytes: 4096 } }),
    );
    sut = new UserConfigService(new ConfigFileWriter(new ConfigFileSystem(), new SystemClock()), config);
    await sut.onModuleInit();
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const setRoutes = (routes: string[]) => (current: Parameters<typeof applyChanges>[0]) => applyChanges(current, new Map([['route', routes]]));

  it('creates the file with the header, the configured mode, and reads it back', async () => {
    const outcome = await sut.edit('user', 'alice', setRoutes(['10.0.0.0/8']));

    expect(outcome).toMatchObject({ path: join(users, 'alice'), changed: true, change: 'route +10.0.0.0/8', backupPath: '' });
    expect(readFileSync(join(users, 'alice'), 'utf8')).toBe(`${MANAGED_HEADER}\nroute = 10.0.0.0/8\n`);
    expect(statSync(join(users, 'alice')).mode & 0o777).toBe(0o600);
    const stored = await sut.read('user', 'alice');
    expect(stored.found).toBe(true);
    expect(stored.document.options.get('route')).toEqual(['10.0.0.0/8']);
    expect(stored.modifiedAtMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps a backup of the previous file and says what changed', async () => {
    await sut.edit('user', 'alice', setRoutes(['10.0.0.0/8']));
    const outcome = await sut.edit('user', 'alice', setRoutes(['10.1.0.0/16']));

    expect(outcome.change).toBe('route 10.0.0.0/8->10.1.0.0/16');
    expect(readFileSync(outcome.backupPath, 'utf8')).toContain('route = 10.0.0.0/8');
  });

  it('validate_only renders and writes nothing', async () => {
    const outcome = await sut.edit('user', 'alice', setRoutes(['10.0.0.0/8']), { validateOnly: true });

    expect(outcome).toMatchObject({ validateOnly: true, changed: false });
    expect(outcome.rendered).toContain('route = 10.0.0.0/8');
    expect((await sut.read('user', 'alice')).found).toBe(false);
  });

  it('keeps the comments and unknown keys of a hand-written file', async () => {
    writeFileSync(join(users, 'bob'), '# by hand\nx-note = keep\nroute = 10.9.0.0/16\n');

    await sut.edit('user', 'bob', setRoutes(['10.8.0.0/16']));

    expect(readFileSync(join(users, 'bob'), 'utf8')).toBe(`${MANAGED_HEADER}\n# by hand\nx-note = keep\nroute = 10.8.0.0/16\n`);
  });

  it('refuses to build on a file whose known keys are invalid, naming the file and line', async () => {
    writeFileSync(join(users, 'carol'), 'route = 10.0.0.0/33\n');

    const error = await agentErrorFromAsync(sut.edit('user', 'carol', setRoutes(['10.0.0.0/8'])));

    expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
    expect(error.message).toContain(`${join(users, 'carol')} line 1 (route)`);
    expect(readFileSync(join(users, 'carol'), 'utf8')).toBe('route = 10.0.0.0/33\n');
  });

  it('replaceBody: a key = value body becomes the whole file; a JSON body replaces the options only', async () => {
    await sut.replaceBody('group', 'devs', '# devs\nroute = 172.16.0.0/12\nx-note = 1\n', 'config_content');
    await sut.replaceBody('group', 'devs', '{"dns": ["172.16.0.53"], "max-same-clients": 3}', 'config_content');

    expect(readFileSync(join(root, 'groups', 'devs'), 'utf8')).toBe(`${MANAGED_HEADER}\n# devs\nx-note = 1\ndns = 172.16.0.53\nmax-same-clients = 3\n`);
  });

  it('refuses a body over user_config.max_file_bytes before parsing it', async () => {
    const error = await agentErrorFromAsync(sut.replaceBody('user', 'alice', `# ${'x'.repeat(5000)}`, 'config_content'));

    expect(error.message).toMatch(/^config_content is 5002 bytes, over user_config.max_file_bytes 4096/);
  });

  it('refuses invalid JSON, naming the field', async () => {
    expect((await agentErrorFromAsync(sut.replaceBody('user', 'alice', '{"route": [', 'config_content'))).message).toMatch(/^config_content: not valid JSON/);
  });

  it.each(['../etc/passwd', '.hidden', 'a/b'])('refuses the name %j before touching the disk', async (name) => {
    const error = await agentErrorFromAsync(sut.edit('user', name, setRoutes(['10.0.0.0/8'])));

    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(error.message).toMatch(/^username/);
  });

  it('100 concurrent edits of one user: none lost (read-modify-write under the lock)', async () => {
    const add = (route: string) => (current: Parameters<typeof applyChanges>[0]) =>
      applyChanges(current, new Map([['route', [...(current.options.get('route') ?? []), route]]]));

    await Promise.all(Array.from({ length: 100 }, (_, index) => sut.edit('user', 'dave', add(`10.${index}.0.0/16`))));

    expect((await sut.read('user', 'dave')).document.options.get('route')).toHaveLength(100);
  });
});

import { status as GrpcStatus } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigUpdateResponse } from '../../../src/generated/agent/v1/agent';
import { MainConfigChecks } from '../../../src/user-config/main-config.checks';
import { OcservConfigTester } from '../../../src/user-config/ocserv-config.tester';
import { AgentClients, GrpcError } from '../../support/agent-clients';
import { startLabAgent } from '../../support/ocserv-lab/lab-agent';
import { OcservLab } from '../../support/ocserv-lab/ocserv-lab';
import { TEST_IDENTITIES, TestAgent } from '../../support/test-agent';

/*
 * UpdateConfig MAIN over gRPC (mTLS, admin) against a real ocserv 1.1.6 whose
 * ocserv.conf is the lab's: what ocserv -t rejects never reaches the file, a valid
 * change is reloaded and seen by a new login, and a change that kills ocserv at
 * reload is rolled back.
 */
jest.setTimeout(60_000);

const ALICE = { username: 'alice', password: 'alice-pw' };

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GrpcError) => error);

async function labWithAgent(extraConfig: string[] = []): Promise<{ lab: OcservLab; agent: TestAgent; admin: AgentClients; conf: string }> {
  const lab = await OcservLab.start({ users: [ALICE], extraConfig });
  const conf = join(lab.dir, 'ocserv.conf');
  const agent = await startLabAgent(lab, { main_config: { allow_updates: true, path: conf, reload_settle_ms: 1_500 } });
  return { lab, agent, admin: agent.clientAs(TEST_IDENTITIES.admin), conf };
}

const updateMain = (admin: AgentClients, content: string, extra: object = {}) =>
  admin.unary<ConfigUpdateResponse>(admin.agent, 'UpdateConfig', {
    request_id: 'main-1', config_type: 'CONFIG_TYPE_MAIN', config_content: content, create_backup: true, ...extra,
  });

describe('AgentService.UpdateConfig MAIN against a real ocserv', () => {
  let lab: OcservLab;
  let agent: TestAgent;
  let admin: AgentClients;
  let conf: string;

  beforeAll(async () => {
    ({ lab, agent, admin, conf } = await labWithAgent());
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
  });

  const original = () => readFileSync(conf, 'utf8');

  it('refuses a missing server certificate with ocserv -t\'s own words; the file is byte-for-byte unchanged and ocserv still serves', async () => {
    const before = readFileSync(conf);
    const pid = lab.serverPid;
    const candidate = original().replace(/^server-cert = .*$/m, `server-cert = ${join(lab.dir, 'missing.crt')}`);
    const error = await rejection(updateMain(admin, candidate));
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toContain('refused by ocserv --test-config');
    expect(error?.details).toContain(`cannot open file ${join(lab.dir, 'missing.crt')}`);
    expect(readFileSync(conf).equals(before)).toBe(true);
    expect(existsSync(join(lab.dir, '.backups'))).toBe(false);
    expect(lab.occtl(['-j', 'show', 'status']).stdout).toContain(`"Server PID":  ${pid}`);
  });

  it('refuses a value ocserv -t accepts (max-clients = abc) and a bad route, naming the line', async () => {
    const before = readFileSync(conf);
    const error = await rejection(updateMain(admin, `${original()}max-clients = abc\nroute = 10.0.0.0/33\n`));
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/line \d+: max-clients = "abc".*line \d+: route = "10.0.0.0\/33"/);
    expect(readFileSync(conf).equals(before)).toBe(true);
  });

  it('validate_only answers what it found and writes nothing', async () => {
    const before = readFileSync(conf);
    const response = await updateMain(admin, `${original()}foo-bar = 1\n`, { validate_only: true });
    expect(response).toMatchObject({ success: true, backup_path: '', error_message: '' });
    expect(response.validation_result).toContain("ocserv: warning: skipping unknown option 'foo-bar'");
    expect(readFileSync(conf).equals(before)).toBe(true);
  });

  it('applies and reloads a new route: the previous file is backed up and a new login gets the route', async () => {
    const before = original();
    const candidate = `${before}route = 10.77.0.0/16\n`;
    const response = await updateMain(admin, candidate);
    expect(response).toMatchObject({ request_id: 'main-1', success: true, error_message: '' });
    expect(response.validation_result).toContain('reloaded: ocserv answering');
    expect(readFileSync(conf, 'utf8')).toBe(candidate);
    expect(readFileSync(response.backup_path, 'utf8')).toBe(before);
    expect(lab.readLog()).toContain('reloading configuration');
    await lab.connect(ALICE);
    const users = JSON.parse(lab.occtl(['-j', 'show', 'user', 'alice']).stdout) as Array<Record<string, unknown>>;
    expect(JSON.stringify(users[0]?.Routes)).toContain('10.77.0.0/255.255.0.0');
  });
});

describe('AgentService.UpdateConfig MAIN rollback against a real ocserv', () => {
  let lab: OcservLab;
  let agent: TestAgent;
  let admin: AgentClients;
  let conf: string;
  let vhostDir: string;

  beforeAll(async () => {
    // ocserv 1.1.6 exits on a reload that removes a [vhost:] section it started with (measured).
    vhostDir = mkdtempSync(join(tmpdir(), 'ocserv-vhost-'));
    chmodSync(vhostDir, 0o755);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(vhostDir, 'vhost.key'), '-out', join(vhostDir, 'vhost.crt'), '-days', '2', '-subj', '/CN=second.example'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    ({ lab, agent, admin, conf } = await labWithAgent([
      '[vhost:second.example]',
      'auth = "plain[passwd=/dev/null]"',
      `server-cert = ${join(vhostDir, 'vhost.crt')}`,
      `server-key = ${join(vhostDir, 'vhost.key')}`,
      'ipv4-network = 192.168.97.0',
      'ipv4-netmask = 255.255.255.0',
    ]));
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
    rmSync(vhostDir, { recursive: true, force: true });
  });

  const withoutVhost = () => readFileSync(conf, 'utf8').split('[vhost:second.example]')[0] ?? '';

  it("refuses removing the vhost section by its own check (ocserv -t would accept it); ocserv keeps serving", async () => {
    const before = readFileSync(conf);
    const error = await rejection(updateMain(admin, withoutVhost()));
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toContain('removes the [vhost:second.example] section');
    expect(readFileSync(conf).equals(before)).toBe(true);
    await expect(agent.agent.app.get(OcservConfigTester).test(withoutVhost())).resolves.toMatchObject({ ok: true });
    expect(lab.occtl(['show', 'status']).status).toBe(0);
  });

  it('rolls back automatically when a change that passed the checks kills ocserv at reload, and says it needs a restart', async () => {
    // Stand-in for any fatal change the checks do not know yet: the vhost check is switched off.
    const checks = agent.agent.app.get(MainConfigChecks);
    const spy = jest.spyOn(checks, 'check').mockReturnValue({ problems: [], warnings: [] });
    const before = readFileSync(conf);
    try {
      const response = await updateMain(admin, withoutVhost());
      expect(response.success).toBe(false);
      expect(response.error_message).toMatch(/^rolled back: ocserv stopped answering after the reload/);
      expect(response.error_message).toContain('ocserv is not running');
      expect(response.error_message).toContain('needs a restart');
      expect(response.validation_result).toContain('ocserv --test-config: ok');
      expect(readFileSync(conf).equals(before)).toBe(true);
      expect(readFileSync(response.backup_path).equals(before)).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(lab.readLog()).toContain('no ipv4-network or ipv6-network options set');
    expect(lab.occtl(['show', 'status']).status).not.toBe(0);
    // What systemd's Restart= does: ocserv starts again from the restored file and serves.
    await lab.stopServer();
    await lab.startServer();
    expect(readFileSync(conf).equals(before)).toBe(true);
    await lab.connect(ALICE);
  });
});

import { status as GrpcStatus } from '@grpc/grpc-js';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetUserConfigResponse, SyncRoutesResponse, UpdateUserConfigResponse } from '../../../src/generated/vpn/v1/config';
import type { AgentClients, GrpcError } from '../../support/agent-clients';
import { startTestAgent, TEST_IDENTITIES, type TestAgent } from '../../support/test-agent';

/* vpn.v1.ConfigService and UpdateConfig PER_* over real gRPC/mTLS into the real agent, on temp config dirs. */
jest.setTimeout(30_000);

describe('vpn.v1.ConfigService served by the agent', () => {
  let dir: string;
  let agent: TestAgent;
  let operator: AgentClients;
  let reader: AgentClients;

  const users = () => join(dir, 'config-per-user');
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GrpcError) => error);
  const listing = () => readdirSync(users()).sort().map((name) => [name, name.startsWith('.') ? '' : readFileSync(join(users(), name), 'utf8')]);
  const aUserConfig = (overrides: Record<string, unknown> = {}) => ({
    username: 'alice',
    routes: ['10.1.0.0/16'],
    dns_servers: ['10.1.0.53'],
    split_dns_domains: ['corp.example'],
    max_same_clients: 2,
    restrict_user_to_routes: true,
    custom_settings: { 'idle-timeout': '600', 'no-route': '10.1.5.0/24, 10.1.6.0/24' },
    ...overrides,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'config-service-'));
    mkdirSync(join(dir, 'config-per-user'));
    mkdirSync(join(dir, 'config-per-group'));
    agent = await startTestAgent({ ocserv: { config_per_user_dir: users(), config_per_group_dir: join(dir, 'config-per-group') } });
    operator = agent.clientAs(TEST_IDENTITIES.operator);
    reader = agent.clientAs(TEST_IDENTITIES.reader);
  });

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GetUserConfig of a user without a file: found false', async () => {
    expect(await reader.unary<GetUserConfigResponse>(reader.config, 'GetUserConfig', { username: 'nobody' })).toMatchObject({ found: false });
  });

  it('UpdateUserConfig round-trips every field, custom settings included', async () => {
    const update = await operator.unary<UpdateUserConfigResponse>(operator.config, 'UpdateUserConfig', { config: aUserConfig(), create_backup: true, validate_only: false });
    expect(update.success).toBe(true);

    const stored = await reader.unary<GetUserConfigResponse>(reader.config, 'GetUserConfig', { username: 'alice' });
    expect(stored.config).toMatchObject(aUserConfig());
    expect(stored.config?.updated_at?.seconds).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('SyncRoutes merges without force_overwrite and replaces with it, counting routes changed', async () => {
    const merged = await operator.unary<SyncRoutesResponse>(operator.config, 'SyncRoutes', {
      config_type: 'CONFIG_TYPE_USER', name: 'alice', routes: ['10.1.0.0/16', '10.2.0.0/16'], dns_servers: [], force_overwrite: false,
    });
    expect(merged).toMatchObject({ success: true, routes_updated: 1, config_path: join(users(), 'alice') });

    const replaced = await operator.unary<SyncRoutesResponse>(operator.config, 'SyncRoutes', {
      config_type: 'CONFIG_TYPE_USER', name: 'alice', routes: ['10.9.0.0/16'], dns_servers: ['10.9.0.53'], force_overwrite: true,
    });
    expect(replaced.routes_updated).toBe(3);
    const stored = await reader.unary<GetUserConfigResponse>(reader.config, 'GetUserConfig', { username: 'alice' });
    expect(stored.config).toMatchObject({ routes: ['10.9.0.0/16'], dns_servers: ['10.9.0.53'], max_same_clients: 2 });
  });

  it('UpdateConfig PER_GROUP takes a JSON body of the options', async () => {
    const response = await operator.unary<{ success: boolean; validation_result: string }>(operator.agent, 'UpdateConfig', {
      config_type: 'CONFIG_TYPE_PER_GROUP', config_name: 'devs', config_content: '{"route": ["172.16.0.0/12"], "tunnel-all-dns": true}',
    });
    expect(response).toMatchObject({ success: true, validation_result: expect.stringContaining('route +172.16.0.0/12') });
    expect(readFileSync(join(dir, 'config-per-group', 'devs'), 'utf8')).toContain('tunnel_all_dns = true\ntunnel-all-dns = true\n');
  });

  describe('hostile input: INVALID_ARGUMENT naming the field, nothing on disk changes', () => {
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
      ['UpdateUserConfig with ../etc/passwd', 'UpdateUserConfig', { config: aUserConfig({ username: '../etc/passwd' }) }, /^username/],
      ['UpdateUserConfig with a newline in a custom setting', 'UpdateUserConfig', { config: aUserConfig({ custom_settings: { mtu: '1400\nroute = 0.0.0.0/0' } }) }, /^config\.custom_settings\[mtu\]/],
      ['UpdateUserConfig with a route of /33', 'UpdateUserConfig', { config: aUserConfig({ routes: ['10.0.0.0/33'] }) }, /^config\.routes\[0\]/],
      ['UpdateUserConfig setting route through custom_settings', 'UpdateUserConfig', { config: aUserConfig({ custom_settings: { route: '0.0.0.0/1' } }) }, /custom_settings\[route\]/],
      ['SyncRoutes with a name of 300 characters', 'SyncRoutes', { config_type: 'CONFIG_TYPE_USER', name: 'x'.repeat(300), routes: ['10.0.0.0/8'] }, /^username/],
      ['SyncRoutes without a config type', 'SyncRoutes', { name: 'alice', routes: ['10.0.0.0/8'] }, /^config_type/],
      ['SyncRoutes with a NUL in a route', 'SyncRoutes', { config_type: 'CONFIG_TYPE_GROUP', name: 'devs', routes: ['10.0.0.0/8\u0000'] }, /^routes\[0\]/],
    ];
    it.each(cases)('%s', async (_label, method, request, field) => {
      const before = listing();
      const error = await rejection(operator.unary(operator.config, method, request));
      expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(error?.details).toMatch(field);
      expect(listing()).toEqual(before);
    });
  });

  it('a reader may read but not write', async () => {
    const error = await rejection(reader.unary(reader.config, 'UpdateUserConfig', { config: aUserConfig() }));
    expect(error?.code).toBe(GrpcStatus.PERMISSION_DENIED);
  });

  it('an operator may not replace ocserv.conf (admin only)', async () => {
    const error = await rejection(operator.unary(operator.agent, 'UpdateConfig', { config_type: 'CONFIG_TYPE_MAIN', config_content: 'x = 1\n' }));
    expect(error?.code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(error?.details).toContain('requires role "admin"');
  });
});

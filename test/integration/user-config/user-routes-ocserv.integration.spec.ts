import { status as GrpcStatus } from '@grpc/grpc-js';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateUserRoutesResponse } from '../../../src/generated/agent/v1/agent';
import type { GetActiveRoutesResponse, GetGroupConfigResponse, GetUserConfigResponse, UpdateGroupConfigResponse } from '../../../src/generated/vpn/v1/config';
import { prefixOfNetmask } from '../../../src/user-config/ocserv-option.validator';
import { AgentClients, GrpcError } from '../../support/agent-clients';
import { eventually, startLabAgent } from '../../support/ocserv-lab/lab-agent';
import { OcservLab, VpnClient } from '../../support/ocserv-lab/ocserv-lab';
import { TEST_IDENTITIES, TestAgent } from '../../support/test-agent';

/*
 * Issue 10 acceptance, through the gRPC API over mTLS against a real ocserv 1.1.6 and
 * real openconnect clients: what the agent writes is what ocserv pushes at the next login.
 */
const ALICE = { username: 'alice', password: 'alice-pw' };
const BOB = { username: 'bob', password: 'bob-pw', group: 'devs' };
const CAROL = { username: 'carol', password: 'carol-pw' };
const RECONNECT_WAIT_MS = 8_000;

interface OcctlJsonUser {
  ID: number;
  Username: string;
  Routes?: string[] | string;
  DNS?: string[] | string;
  'Split-DNS-Domains'?: string[] | string;
}

jest.setTimeout(90_000);

describe('per-user and per-group files against a real ocserv', () => {
  let lab: OcservLab;
  let agent: TestAgent;
  let operator: AgentClients;
  let reader: AgentClients;
  const clients: VpnClient[] = [];

  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GrpcError) => error);
  const occtlUsers = (name: string): OcctlJsonUser[] =>
    (JSON.parse(lab.occtl(['-j', 'show', 'user', name]).stdout || '[]') as OcctlJsonUser[]).filter((user) => user.Username === name);
  const list = (value: string[] | string | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  /** occtl prints IPv4 routes as address/netmask (ocserv converts them when it reads the file): back to a prefix length. */
  const prefixed = (routes: string[]): string[] =>
    routes
      .map((route) => {
        const [address, mask] = route.split('/');
        const bits = mask === undefined ? undefined : prefixOfNetmask(mask);
        return bits === undefined ? route : `${address}/${bits}`;
      })
      .sort();
  const routesOf = (user: OcctlJsonUser | undefined): string[] => prefixed(list(user?.Routes));
  /** A --script that only records what openconnect passes it, into the lab dir (no routes, no DNS, no interface change). */
  const recordingScript = (username: string): string => {
    const path = join(lab.dir, `record-env.${username}.sh`);
    const record = `[ "$reason" = connect ] && printf '%s' "$CISCO_SPLIT_DNS" > "${lab.dir}/split-dns.${username}"`;
    writeFileSync(path, `#!/bin/sh\n${record}\nexit 0\n`, { mode: 0o755 });
    return path;
  };
  const recordedSplitDns = (username: string): string => {
    try {
      return readFileSync(join(lab.dir, `split-dns.${username}`), 'utf8');
    } catch {
      return '';
    }
  };
  const connect = async (user: typeof ALICE): Promise<VpnClient> => {
    const client = await lab.connect(user, { script: recordingScript(user.username) });
    clients.push(client);
    return client;
  };
  const updateRoutes = (request: Record<string, unknown>) =>
    operator.unary<UpdateUserRoutesResponse>(operator.vpn, 'UpdateUserRoutes', { reload_if_connected: false, ...request });
  /** Every file under the dir (backups included) with its bytes: "byte-for-byte unchanged". */
  const snapshot = (dir: string): Record<string, string> => {
    const out: Record<string, string> = {};
    const walk = (path: string): void => {
      for (const name of readdirSync(path)) {
        const full = join(path, name);
        if (statSync(full).isDirectory()) walk(full);
        else out[full] = readFileSync(full, 'base64');
      }
    };
    walk(dir);
    return out;
  };

  beforeAll(async () => {
    lab = await OcservLab.start({ users: [ALICE, BOB, CAROL] });
    agent = await startLabAgent(lab, { user_config: { reconnect_wait_ms: RECONNECT_WAIT_MS } });
    operator = agent.clientAs(TEST_IDENTITIES.operator);
    reader = agent.clientAs(TEST_IDENTITIES.reader);
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.stop()));
    await agent?.stop();
    await lab?.stop();
  });

  it("UpdateUserRoutes: at the user's next login ocserv pushes exactly those routes, DNS and split DNS", async () => {
    const response = await updateRoutes({
      username: 'alice',
      routes: ['10.50.0.0/16', '10.60.1.0/255.255.255.0'],
      dns_servers: ['10.50.0.53'],
      config_params: { 'split-dns': 'corp.example, lab.example' },
    });
    expect(response).toMatchObject({ success: true, config_path: join(lab.configPerUserDir, 'alice'), user_reconnected: false });

    await connect(ALICE);
    const [session] = occtlUsers('alice');
    expect(routesOf(session)).toEqual(['10.50.0.0/16', '10.60.1.0/24']);
    expect(list(session?.DNS)).toEqual(['10.50.0.53']);
    // occtl 1.1.6 lists the server's split DNS, not the user's (main-ctl-unix.c reads the vhost's); the worker
    // pushes the user's to the client, which hands it to its script as CISCO_SPLIT_DNS.
    expect(list(session?.['Split-DNS-Domains'])).toEqual([]);
    const splitDns = await eventually(() => recordedSplitDns('alice'), (value) => value !== '');
    expect(splitDns.split(',').sort()).toEqual(['corp.example', 'lab.example']);
  });

  it('GetActiveRoutes attributes each live route to the user file', async () => {
    const response = await reader.unary<GetActiveRoutesResponse>(reader.config, 'GetActiveRoutes', { username: 'alice', session_id: '' });
    expect(response.found).toBe(true);
    expect(response.routes.filter((route) => route.active).map((route) => [route.cidr, route.source]).sort()).toEqual([
      ['10.50.0.0/16', 'ROUTE_SOURCE_USER_CONFIG'],
      ['10.60.1.0/24', 'ROUTE_SOURCE_USER_CONFIG'],
    ]);
    expect(response.dns_servers).toEqual(['10.50.0.53']);
  });

  it('without reload_if_connected the live session keeps its routes; the new ones are listed as pending', async () => {
    await updateRoutes({ username: 'alice', routes: ['10.70.0.0/16'], dns_servers: ['10.50.0.53'] });
    expect(routesOf(occtlUsers('alice')[0])).toEqual(['10.50.0.0/16', '10.60.1.0/24']);
    const response = await reader.unary<GetActiveRoutesResponse>(reader.config, 'GetActiveRoutes', { username: 'alice', session_id: '' });
    expect(response.routes.find((route) => route.cidr === '10.70.0.0/16')).toMatchObject({ active: false, source: 'ROUTE_SOURCE_USER_CONFIG' });
    expect(response.routes.find((route) => route.cidr === '10.50.0.0/16')).toMatchObject({ active: true, source: 'ROUTE_SOURCE_DYNAMIC' });
  });

  it('reload_if_connected: the client is dropped, logs in again under the new file, user_reconnected true', async () => {
    const old = occtlUsers('alice').map((user) => user.ID);
    const pending = updateRoutes({ username: 'alice', routes: ['10.80.0.0/16'], dns_servers: [], reload_if_connected: true });
    // As a user (or an auto-reconnecting client) would: openconnect 9 exits after the disconnect, so log in again.
    await eventually(() => occtlUsers('alice').filter((user) => old.includes(user.ID)).length, (count) => count === 0);
    await connect(ALICE);
    const response = await pending;
    expect(response).toMatchObject({ success: true, user_reconnected: true });
    const [session] = occtlUsers('alice').filter((user) => !old.includes(user.ID));
    expect(routesOf(session)).toEqual(['10.80.0.0/16']);
  });

  it('reload_if_connected with nobody coming back: user_reconnected false after the wait', async () => {
    await connect(CAROL);
    const started = Date.now();
    const response = await updateRoutes({ username: 'carol', routes: ['10.90.0.0/16'], reload_if_connected: true });
    expect(response).toMatchObject({ success: true, user_reconnected: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(RECONNECT_WAIT_MS - 100);
    expect(occtlUsers('carol')).toEqual([]);
  });

  it("a group file reaches a user of that group; GetActiveRoutes says it came from the group's file", async () => {
    const update = await operator.unary<UpdateGroupConfigResponse>(operator.config, 'UpdateGroupConfig', {
      config: { groupname: 'devs', routes: ['172.20.0.0/16'], dns_servers: ['172.20.0.53'], split_dns_domains: ['dev.example'], custom_settings: {} },
      create_backup: true,
      validate_only: false,
    });
    expect(update.success).toBe(true);
    const stored = await reader.unary<GetGroupConfigResponse>(reader.config, 'GetGroupConfig', { groupname: 'devs' });
    expect(stored.config).toMatchObject({ groupname: 'devs', routes: ['172.20.0.0/16'], dns_servers: ['172.20.0.53'], split_dns_domains: ['dev.example'] });

    await connect(BOB);
    const [session] = occtlUsers('bob');
    expect(routesOf(session)).toEqual(['172.20.0.0/16']);
    expect(list(session?.DNS)).toEqual(['172.20.0.53']);
    const routes = await reader.unary<GetActiveRoutesResponse>(reader.config, 'GetActiveRoutes', { username: 'bob', session_id: String(session?.ID) });
    expect(routes.routes).toEqual([expect.objectContaining({ cidr: '172.20.0.0/16', source: 'ROUTE_SOURCE_GROUP_CONFIG', active: true })]);
  });

  it('GetUserConfig reads back what UpdateUserRoutes wrote', async () => {
    const response = await reader.unary<GetUserConfigResponse>(reader.config, 'GetUserConfig', { username: 'alice' });
    expect(response).toMatchObject({ found: true, config: { username: 'alice', routes: ['10.80.0.0/16'], split_dns_domains: ['corp.example', 'lab.example'] } });
  });

  describe('hostile input: INVALID_ARGUMENT naming the field, the directory byte-for-byte unchanged', () => {
    const names = ['../etc/passwd', 'a/b', '..', '.', 'nul\u0000name', 'new\nline', 'x'.repeat(300)];
    it.each(names)('username %j', async (username) => {
      const before = snapshot(lab.configPerUserDir);
      const error = await rejection(updateRoutes({ username, routes: ['10.0.0.0/8'] }));
      expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(error?.details).toMatch(/^username/);
      expect(snapshot(lab.configPerUserDir)).toEqual(before);
    });

    const values: [string, Record<string, unknown>, RegExp][] = [
      ['a newline adding a route', { routes: ['10.0.0.0/8\nroute = 0.0.0.0/0'] }, /routes\[0\]/],
      ['a route with spaces', { routes: ['10.0.0.0 /8'] }, /routes\[0\]/],
      ['a 1 MB value', { routes: ['1'.repeat(1024 * 1024)] }, /routes\[0\]/],
      ['prefix /33', { routes: ['10.0.0.0/33'] }, /routes\[0\]/],
      ['a DNS server that is not an address', { dns_servers: ['dns.example'] }, /dns_servers\[0\]/],
      ['an unknown config_params key', { config_params: { 'cron-job': 'x' } }, /config_params/],
      ['a newline in config_params', { config_params: { mtu: '1400\nroute = 0.0.0.0/0' } }, /config_params\[mtu\]/],
    ];
    it.each(values)('%s', async (_label, request, field) => {
      const before = snapshot(lab.configPerUserDir);
      const error = await rejection(updateRoutes({ username: 'alice', ...request }));
      expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(error?.details).toMatch(field);
      expect(snapshot(lab.configPerUserDir)).toEqual(before);
    });
  });

  it("a symlink planted as the user's file is refused and its target untouched", async () => {
    const { symlinkSync, writeFileSync } = await import('node:fs');
    const target = join(lab.dir, 'precious.txt');
    writeFileSync(target, 'do not touch\n');
    symlinkSync(target, join(lab.configPerUserDir, 'mallory'));
    const error = await rejection(updateRoutes({ username: 'mallory', routes: ['10.0.0.0/8'] }));
    expect(error?.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error?.details).toMatch(/mallory/);
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
  });

  it('a reader may not write', async () => {
    const error = await rejection(reader.unary(reader.vpn, 'UpdateUserRoutes', { username: 'alice', routes: [] }));
    expect(error?.code).toBe(GrpcStatus.PERMISSION_DENIED);
  });
});

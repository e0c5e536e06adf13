import { credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyFileError } from '../../../src/policy/policy-file.error';
import { PortalSimulator } from '../../../src/portal-simulator/portal-simulator';
import { grpcErrorFrom, PortalClients, startPortalSimulator, TestPortal, testPolicy } from '../../support/portal-sim';
import { portalCredentials } from '../../support/portal-sim';

/** The simulator as the agent meets it: real gRPC over mutual TLS, answers from the policy file, everything recorded. */
describe(PortalSimulator.name, () => {
  let portal: TestPortal;
  let sut: PortalSimulator;
  let agent: PortalClients;

  beforeAll(async () => {
    portal = await startPortalSimulator();
    sut = portal.simulator;
    agent = portal.clientAs('agent-1.vpn.example.com');
  });

  afterAll(async () => {
    await portal.stop();
  });

  beforeEach(() => {
    sut.setPolicy(testPolicy());
    sut.resetRecords();
  });

  it('listens on 127.0.0.1 on the port it reports', () => {
    expect(sut.address).toBe(`127.0.0.1:${sut.port}`);
    expect(sut.port).toBeGreaterThan(0);
  });

  describe('CheckPolicy', () => {
    it("allows a listed user with the entry's routes and DNS servers", async () => {
      await expect(agent.checkPolicy({ username: 'alice', groupname: '' })).resolves.toMatchObject({
        allowed: true,
        deny_reason: '',
        routes: ['10.10.0.0/16'],
        dns_servers: ['10.10.0.53'],
        should_disconnect: false,
      });
    });

    it('denies a listed user with the reason and no routes', async () => {
      await expect(agent.checkPolicy({ username: 'bob', groupname: 'staff' })).resolves.toMatchObject({
        allowed: false,
        deny_reason: 'account suspended',
        routes: [],
        dns_servers: [],
      });
    });

    it("allows an unlisted user through their group's entry", async () => {
      await expect(agent.checkPolicy({ username: 'carol', groupname: 'staff' })).resolves.toMatchObject({
        allowed: true,
        routes: ['10.20.0.0/16'],
      });
    });

    it('denies everyone else by default', async () => {
      await expect(agent.checkPolicy({ username: 'mallory', groupname: 'guests' })).resolves.toMatchObject({
        allowed: false,
        deny_reason: 'not in policy',
      });
    });

    it('answers from a policy set at runtime', async () => {
      sut.setPolicy(testPolicy('default: {allow: true, routes: ["0.0.0.0/0"]}\n'));

      await expect(agent.checkPolicy({ username: 'mallory' })).resolves.toMatchObject({ allowed: true, routes: ['0.0.0.0/0'] });
    });

    it('records each request in order with its time and the caller certificate CN', async () => {
      const before = Date.now();
      await agent.checkPolicy({ username: 'alice', groupname: 'staff', session_id: 's1' });
      await agent.checkPolicy({ username: 'bob', session_id: 's2' });

      expect(sut.calls).toEqual([
        expect.objectContaining({ method: 'CheckPolicy', callerCn: 'agent-1.vpn.example.com', simulatedError: false }),
        expect.objectContaining({ method: 'CheckPolicy', callerCn: 'agent-1.vpn.example.com' }),
      ]);
      expect(sut.calls.map((call) => call.request)).toEqual([
        expect.objectContaining({ username: 'alice', groupname: 'staff', session_id: 's1' }),
        expect.objectContaining({ username: 'bob', session_id: 's2' }),
      ]);
      expect(sut.calls[0]?.receivedAtMs).toBeGreaterThanOrEqual(before);
      expect(sut.callCount('CheckPolicy')).toBe(2);
    });

    it('forgets what it recorded on resetRecords', async () => {
      await agent.checkPolicy({ username: 'alice' });

      sut.resetRecords();

      expect(sut.calls).toEqual([]);
      expect(sut.callCount('CheckPolicy')).toBe(0);
    });
  });

  describe('ValidateSession', () => {
    const validate = (username: string) =>
      agent.unary(agent.auth, 'ValidateSession', { username, session_id: `s-${username}`, client_ip: '192.0.2.1' });

    it('keeps the session of an allowed user valid', async () => {
      await expect(validate('alice')).resolves.toEqual({ valid: true, invalid_reason: '', force_disconnect: false });
    });

    it("invalidates a denied user's session with the deny reason", async () => {
      await expect(validate('bob')).resolves.toEqual({ valid: false, invalid_reason: 'account suspended', force_disconnect: true });
    });

    it('judges a group member by the group CheckPolicy last reported for them', async () => {
      await agent.checkPolicy({ username: 'carol', groupname: 'staff' });

      await expect(validate('carol')).resolves.toMatchObject({ valid: true });
      expect(sut.sessionValidations).toHaveLength(1);
      expect(sut.callCount('ValidateSession')).toBe(1);
    });
  });

  describe('EventService', () => {
    it('answers success and records every report in order', async () => {
      await expect(
        agent.unary(agent.events, 'ReportConnect', { username: 'alice', session_id: 's1', groupname: 'staff', client_ip: '192.0.2.1' }),
      ).resolves.toMatchObject({ success: true });
      await expect(
        agent.unary(agent.events, 'ReportSessionUpdate', { username: 'alice', session_id: 's1', status: 'SESSION_STATUS_ACTIVE' }),
      ).resolves.toMatchObject({ success: true, should_disconnect: false });
      await expect(
        agent.unary(agent.events, 'ReportDisconnect', {
          username: 'alice',
          session_id: 's1',
          reason: 'DISCONNECT_REASON_USER_INITIATED',
          stats: { duration_seconds: 60, bytes_received: 1000 },
        }),
      ).resolves.toMatchObject({ success: true });

      expect(sut.events.map((event) => event.method)).toEqual(['ReportConnect', 'ReportSessionUpdate', 'ReportDisconnect']);
      expect(sut.events[2]?.request).toMatchObject({
        reason: 'DISCONNECT_REASON_USER_INITIATED',
        stats: { duration_seconds: 60, bytes_received: 1000 },
      });
      expect(sut.events[0]?.callerCn).toBe('agent-1.vpn.example.com');
      expect(sut.calls).toEqual([]);
    });

    const connect = (eventId: string, sessionId = 's1') =>
      agent.unary(agent.events, 'ReportConnect', { username: 'alice', session_id: sessionId, metadata: { event_id: eventId } });

    it('records a re-sent event_id as a duplicate and counts it', async () => {
      await connect('ev-1');
      await connect('ev-2', 's2');
      await connect('ev-1');

      expect(sut.events.map((event) => event.duplicate)).toEqual([false, false, true]);
      expect(sut.uniqueEvents.map((event) => (event.request['metadata'] as Record<string, string>)['event_id'])).toEqual(['ev-1', 'ev-2']);
      expect(sut.duplicateEventCount).toBe(1);
      expect(sut.duplicateCounts()).toEqual({ ReportConnect: 1 });
      expect(sut.callCount('ReportConnect')).toBe(3);
    });

    it('counts the retry of a call the error-rate switch failed as a duplicate', async () => {
      sut.setErrorRate(1);
      await expect(connect('ev-lost')).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE });
      sut.setErrorRate(0);

      await expect(connect('ev-lost')).resolves.toMatchObject({ success: true });

      expect(sut.events.map((event) => [event.simulatedError, event.duplicate])).toEqual([
        [true, false],
        [false, true],
      ]);
      expect(sut.duplicateEventCount).toBe(1);
    });

    it('does not take events without an event_id for duplicates', async () => {
      await agent.unary(agent.events, 'ReportDisconnect', { username: 'alice', session_id: 's1' });
      await agent.unary(agent.events, 'ReportDisconnect', { username: 'alice', session_id: 's1' });

      expect(sut.duplicateEventCount).toBe(0);
      expect(sut.uniqueEvents).toHaveLength(2);
    });

    it('forgets the event ids it saw on resetRecords', async () => {
      await connect('ev-1');
      sut.resetRecords();

      await connect('ev-1');

      expect(sut.events.map((event) => event.duplicate)).toEqual([false]);
      expect(sut.duplicateEventCount).toBe(0);
    });

    describe('ReportSessionUpdate', () => {
      const update = (username: string) =>
        agent.unary(agent.events, 'ReportSessionUpdate', { username, session_id: `s-${username}`, status: 'SESSION_STATUS_ACTIVE' });

      it('asks to disconnect a user the policy denies, with the deny reason', async () => {
        await expect(update('bob')).resolves.toEqual({ success: true, should_disconnect: true, disconnect_reason: 'account suspended' });
      });

      it('keeps a user the policy allows', async () => {
        await expect(update('alice')).resolves.toEqual({ success: true, should_disconnect: false, disconnect_reason: '' });
      });

      it('judges a group member by the group their ReportConnect reported', async () => {
        await agent.unary(agent.events, 'ReportConnect', { username: 'carol', groupname: 'staff', session_id: 's-carol' });

        await expect(update('carol')).resolves.toMatchObject({ should_disconnect: false });
      });

      it('follows a policy changed at runtime', async () => {
        sut.setPolicy(testPolicy('users:\n  alice: { allow: false, deny_reason: "left the company" }\n'));

        await expect(update('alice')).resolves.toMatchObject({ should_disconnect: true, disconnect_reason: 'left the company' });
      });
    });
  });

  describe('mutual TLS', () => {
    it.each([
      ['without a certificate', () => portalCredentials(portal.pki)],
      ['whose certificate comes from another CA', () => portalCredentials(portal.pki, portal.pki.foreignClient('agent-1.vpn.example.com'))],
      ['speaking plain text', () => credentials.createInsecure()],
    ])('refuses a client %s before any call is received', async (_name, clientCredentials) => {
      const stranger = portal.clientWith(clientCredentials());

      const error = await grpcErrorFrom(stranger.checkPolicy({ username: 'alice' }, 3000));

      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(sut.callCount('CheckPolicy')).toBe(0);
    });
  });
});

describe(`${PortalSimulator.name} without TLS`, () => {
  it('serves plain-text clients and records no caller CN', async () => {
    const sut = await PortalSimulator.start({ policy: testPolicy(), tls: 'insecure' });
    const client = new PortalClients(sut.address, credentials.createInsecure());
    try {
      await expect(client.checkPolicy({ username: 'alice' })).resolves.toMatchObject({ allowed: true });
      expect(sut.calls[0]?.callerCn).toBeUndefined();
    } finally {
      client.close();
      await sut.stop();
    }
  });
});

describe(`${PortalSimulator.name} with a policy file`, () => {
  let dir: string;
  let sut: PortalSimulator;
  let client: PortalClients;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-portal-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), 'users:\n  alice: {allow: true}\n');
    sut = await PortalSimulator.start({ policyFile: join(dir, 'policy.yaml'), tls: 'insecure' });
    client = new PortalClients(sut.address, credentials.createInsecure());
  });

  afterEach(async () => {
    client.close();
    await sut.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers from the file as it is after reloadPolicy', async () => {
    writeFileSync(join(dir, 'policy.yaml'), 'users:\n  alice: {allow: false, deny_reason: "revoked"}\n');

    sut.reloadPolicy();

    await expect(client.checkPolicy({ username: 'alice' })).resolves.toMatchObject({ allowed: false, deny_reason: 'revoked' });
  });

  it('keeps the policy it has when the reloaded file is invalid', async () => {
    writeFileSync(join(dir, 'policy.yaml'), 'users:\n  alice: {allow: maybe}\n');

    expect(() => sut.reloadPolicy()).toThrow(PolicyFileError);
    await expect(client.checkPolicy({ username: 'alice' })).resolves.toMatchObject({ allowed: true });
  });

  it('refuses to start on a missing policy file, naming it', async () => {
    const missing = join(dir, 'absent.yaml');

    await expect(PortalSimulator.start({ policyFile: missing, tls: 'insecure' })).rejects.toThrow(missing);
  });
});

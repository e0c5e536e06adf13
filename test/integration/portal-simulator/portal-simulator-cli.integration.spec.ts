import { status as GrpcStatus } from '@grpc/grpc-js';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpcErrorFrom, PortalClients, portalCredentials } from '../../support/portal-sim';
import { createTestPki, TestPki } from '../../support/test-pki';

/*
 * The CLI as a separate process, run from source through ts-node (transpile
 * only): the test needs no prior build and always runs the code under test.
 * `nest build` compiles the same file to dist/portal-simulator/main.js.
 */

const REPO_ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(REPO_ROOT, 'src', 'portal-simulator', 'main.ts');
const EXAMPLE_POLICY = join(REPO_ROOT, 'docs', 'policy.example.yaml');

type LogLine = Record<string, unknown>;

class SimulatorProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private buffered = '';

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', MAIN, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffered += chunk;
      const complete = this.buffered.split('\n');
      this.buffered = complete.pop() ?? '';
      complete.filter((line) => line !== '').forEach((line) => this.lines.push(JSON.parse(line) as LogLine));
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async line(predicate: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no such log line; stdout: ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

describe('portal simulator CLI', () => {
  let dir: string;
  let pki: TestPki;
  let sut: SimulatorProcess;
  let grpcAddress: string;
  let controlUrl: string;
  const clients: PortalClients[] = [];

  function agentClient(): PortalClients {
    const client = new PortalClients(grpcAddress, portalCredentials(pki, pki.client('agent-cli')));
    clients.push(client);
    return client;
  }

  function control(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Response> {
    return fetch(`${controlUrl}${path}`, { method, body, headers: body === undefined ? {} : { 'content-type': contentType } });
  }

  const postSwitches = (switches: object): Promise<Response> => control('POST', '/switches', JSON.stringify(switches));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-portal-cli-'));
    pki = createTestPki(dir);
    sut = new SimulatorProcess([
      '--policy', EXAMPLE_POLICY,
      '--listen', '127.0.0.1:0',
      '--cert', pki.server.certFile,
      '--key', pki.server.keyFile,
      '--ca', pki.caFile,
      '--control', '127.0.0.1:0',
    ]);
    const ready = await sut.line((line) => line['msg'] === 'portal simulator listening');
    grpcAddress = ready['address'] as string;
    controlUrl = `http://${ready['control_address'] as string}`;
  }, 30_000);

  afterAll(async () => {
    clients.forEach((client) => client.close());
    if (sut.running) {
      sut.signal('SIGKILL');
      await sut.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('says where it listens, over mutual TLS', () => {
    expect(sut.lines[0]).toMatchObject({
      msg: 'portal simulator listening',
      address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      control_address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      tls: 'mtls',
    });
  });

  it('answers CheckPolicy from the policy file and logs the call as a JSON line', async () => {
    await expect(agentClient().checkPolicy({ username: 'alice', groupname: '' })).resolves.toMatchObject({
      allowed: true,
      routes: ['10.10.0.0/16'],
      dns_servers: ['10.10.0.53'],
    });

    await expect(sut.line((line) => line['msg'] === 'call' && line['username'] === 'alice')).resolves.toMatchObject({
      method: 'CheckPolicy',
      caller: 'agent-cli',
      outcome: 'answered',
      allowed: true,
    });
  });

  it('fails calls after POST /switches sets the error rate, and reports the switches', async () => {
    const response = await postSwitches({ error_rate: 1, latency_ms: 10 });

    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ latency_ms: 10, error_rate: 1, hang: false, outage: false });
    expect((await grpcErrorFrom(agentClient().checkPolicy({ username: 'alice' }))).code).toBe(GrpcStatus.UNAVAILABLE);

    await postSwitches({ error_rate: 0, latency_ms: 0 });
    await expect(agentClient().checkPolicy({ username: 'bob' })).resolves.toMatchObject({ allowed: false });
  });

  it('goes down on {"outage": true} and comes back on the same port on {"outage": false}', async () => {
    expect((await postSwitches({ outage: true })).status).toBe(200);
    expect((await grpcErrorFrom(agentClient().checkPolicy({ username: 'alice' }, 3000))).code).toBe(GrpcStatus.UNAVAILABLE);

    const restarted = await postSwitches({ outage: false });

    await expect(restarted.json()).resolves.toMatchObject({ outage: false });
    await expect(agentClient().checkPolicy({ username: 'alice' })).resolves.toMatchObject({ allowed: true });
  });

  it('returns what it received on GET /records', async () => {
    const response = await control('GET', '/records');

    expect(response.status).toBe(200);
    const records = (await response.json()) as { counts: Record<string, number>; calls: Array<Record<string, unknown>>; events: unknown[] };
    expect(records.counts['CheckPolicy']).toBe(records.calls.length);
    expect(records.calls[0]).toMatchObject({
      method: 'CheckPolicy',
      caller_cn: 'agent-cli',
      simulated_error: false,
      request: expect.objectContaining({ username: 'alice' }),
    });
    expect(records.calls.some((call) => call['simulated_error'] === true)).toBe(true);
    expect(records.events).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"error_rate": ', 'application/json', 400, /^body is not valid JSON/],
    ['an unknown switch', '{"eror_rate": 0.5}', 'application/json', 400, /eror_rate: unknown key/],
    ['an error rate above 1', '{"error_rate": 2}', 'application/json', 400, /^error_rate:/],
    ['a latency of the wrong type', '{"latency_ms": "100"}', 'application/json', 400, /^latency_ms: got "100", expected number/],
    ['a form post', 'error_rate=1', 'application/x-www-form-urlencoded', 415, /Content-Type: application\/json/],
  ])('refuses %s on POST /switches without changing anything', async (_name, body, contentType, status, message) => {
    const response = await control('POST', '/switches', body, contentType);

    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    await expect((await control('GET', '/switches')).json()).resolves.toEqual({ latency_ms: 0, error_rate: 0, hang: false, outage: false });
  });

  it('answers 404 for an unknown path and 405 for a wrong method', async () => {
    expect((await control('GET', '/nope')).status).toBe(404);
    const wrongMethod = await control('PUT', '/switches', '{}');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  it('re-reads the policy file on POST /policy/reload', async () => {
    const response = await control('POST', '/policy/reload');

    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ reloaded: true, users: 2, groups: 1 });
  });

  it('forgets what it received on DELETE /records', async () => {
    expect((await control('DELETE', '/records')).status).toBe(204);

    await expect((await control('GET', '/records')).json()).resolves.toEqual({
      counts: {},
      duplicates_dropped: 0,
      duplicate_counts: {},
      calls: [],
      session_validations: [],
      events: [],
    });
  });

  it('exits 0 on SIGTERM', async () => {
    sut.signal('SIGTERM');

    await expect(sut.exited).resolves.toBe(0);
    expect(sut.lines.at(-1)).toMatchObject({ msg: 'portal simulator stopping', signal: 'SIGTERM' });
  });
});

describe('portal simulator CLI arguments', () => {
  it('exits 2 naming every bad argument and printing the usage', async () => {
    const sut = new SimulatorProcess(['--policy', EXAMPLE_POLICY, '--listen', '127.0.0.1:99999', '--control', '0.0.0.0:0', '--cert', 'x']);

    await expect(sut.exited).resolves.toBe(2);
    expect(sut.stderr).toContain('--listen: got "127.0.0.1:99999", expected HOST:PORT with a port 0-65535');
    expect(sut.stderr).toContain('--control: got "0.0.0.0", expected a loopback address');
    expect(sut.stderr).toContain('TLS: expected all of --cert, --key and --ca (mutual TLS), or --insecure');
    expect(sut.stderr).toContain('usage: portal-simulator --policy FILE');
    expect(sut.lines).toEqual([]);
  }, 20_000);

  it('exits 2 naming a policy file that does not exist', async () => {
    const missing = join(tmpdir(), 'no-such-policy-file.yaml');
    const sut = new SimulatorProcess(['--policy', missing, '--insecure']);

    await expect(sut.exited).resolves.toBe(2);
    expect(sut.stderr).toContain(`invalid policy file (${missing})`);
    expect(sut.stderr).toContain('file not found');
  }, 20_000);
});

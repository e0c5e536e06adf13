import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatConfigIssues } from '../config/config-issue.formatter';
import type { PortalSimulator } from './portal-simulator';
import type { HostPort } from './simulator-cli-args';
import type { RecordedCall } from './simulator-records';
import { switchRequestSchema } from './switch-request.schema';

/*
 * Loopback HTTP endpoint for demo and bench scripts to flip the switches of a
 * simulator process (docs/portal-simulator.md, "Control API"). No
 * authentication: the CLI binds it to loopback only, and POST bodies must be
 * application/json, which a web page cannot send cross-origin without a CORS
 * preflight this server never grants.
 */

const MAX_BODY_BYTES = 64 * 1024;

export interface ControlServer {
  /** host:port actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export async function startControlServer(simulator: PortalSimulator, listen: HostPort): Promise<ControlServer> {
  const server = createServer((request, response) => {
    handle(simulator, request).then(
      ({ status, body }) => send(response, status, body),
      (error: unknown) =>
        error instanceof HttpProblem
          ? send(response, error.status, { error: error.message }, error.headers)
          : send(response, 500, { error: (error as Error).message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`,
    close: () => closeServer(server),
  };
}

async function handle(simulator: PortalSimulator, request: IncomingMessage): Promise<{ status: number; body?: unknown }> {
  const path = new URL(request.url ?? '/', 'http://control').pathname;
  const route = `${request.method ?? ''} ${path}`;
  switch (route) {
    case 'GET /switches':
      return { status: 200, body: switchesView(simulator) };
    case 'POST /switches':
      await applySwitches(simulator, await readJson(request));
      return { status: 200, body: switchesView(simulator) };
    case 'GET /records':
      return { status: 200, body: recordsView(simulator) };
    case 'DELETE /records':
      simulator.resetRecords();
      return { status: 204 };
    case 'POST /policy/reload':
      reloadPolicy(simulator);
      return { status: 200, body: { reloaded: true, users: simulator.policy.users.size, groups: simulator.policy.groups.size } };
    default: {
      const allowed = ALLOWED_METHODS[path];
      if (allowed === undefined) throw new HttpProblem(404, `no such endpoint: ${path}`);
      throw new HttpProblem(405, `${request.method ?? ''} not allowed on ${path}`, { allow: allowed });
    }
  }
}

const ALLOWED_METHODS: Readonly<Record<string, string>> = {
  '/switches': 'GET, POST',
  '/records': 'GET, DELETE',
  '/policy/reload': 'POST',
};

async function applySwitches(simulator: PortalSimulator, body: unknown): Promise<void> {
  const parsed = switchRequestSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) {
    throw new HttpProblem(400, formatConfigIssues(parsed.error.issues, switchRequestSchema).join('; '));
  }
  const wanted = parsed.data;
  // Outage first and restart last, so switches set in the same request apply to the first call after a restart.
  if (wanted.outage === true) await simulator.outage();
  if (wanted.latency_ms !== undefined) simulator.setLatencyMs(wanted.latency_ms);
  if (wanted.error_rate !== undefined) simulator.setErrorRate(wanted.error_rate);
  if (wanted.hang !== undefined) simulator.setHang(wanted.hang);
  if (wanted.outage === false) await simulator.restart();
}

function reloadPolicy(simulator: PortalSimulator): void {
  try {
    simulator.reloadPolicy();
  } catch (error) {
    throw new HttpProblem(400, (error as Error).message);
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpProblem(415, 'expected Content-Type: application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpProblem(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (error) {
    throw new HttpProblem(400, `body is not valid JSON: ${(error as Error).message}`);
  }
}

function switchesView(simulator: PortalSimulator): Record<string, unknown> {
  const state = simulator.state;
  return { latency_ms: state.latencyMs, error_rate: state.errorRate, hang: state.hang, outage: state.outage };
}

function recordsView(simulator: PortalSimulator): Record<string, unknown> {
  return {
    counts: simulator.callCounts(),
    duplicates_dropped: simulator.duplicateEventCount,
    duplicate_counts: simulator.duplicateCounts(),
    calls: simulator.calls.map(recordView),
    session_validations: simulator.sessionValidations.map(recordView),
    events: simulator.events.map(recordView),
  };
}

function recordView(record: RecordedCall): Record<string, unknown> {
  return {
    method: record.method,
    received_at: new Date(record.receivedAtMs).toISOString(),
    caller_cn: record.callerCn ?? null,
    simulated_error: record.simulatedError,
    duplicate: record.duplicate,
    request: record.request,
  };
}

function send(response: ServerResponse, status: number, body?: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (response.headersSent) return;
  if (body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

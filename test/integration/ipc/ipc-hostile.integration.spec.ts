import { askOnce, HookSocketClient, legacyFrame } from './hook-socket-client';
import { eventually, HookSocketAgent, metricValue, seededBytes, startHookSocketAgent, validEnv } from './ipc-test-support';

const REQUEST_TIMEOUT_MS = 500;
const CONNECTIONS = 'ocserv_agent_ipc_connections';
const REJECTED = 'ocserv_agent_ipc_rejected_total';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The acceptance criteria: whatever a local client sends, the agent answers or closes, and keeps serving. */
describe('hook socket under hostile clients', () => {
  let sut: HookSocketAgent;
  let sequence = 0;

  const stillServes = async (): Promise<void> => {
    sequence += 1;
    expect(await askOnce(sut.socketPath, { op: 'connect', env: validEnv({ ID: `alive-${sequence}` }) })).toEqual({ allowed: true, source: 'static' });
  };
  const rejected = (reason: string): Promise<number> => metricValue(sut.app, REJECTED, { reason });

  beforeAll(async () => {
    sut = await startHookSocketAgent({ request_timeout_ms: REQUEST_TIMEOUT_MS, max_request_bytes: 65536 });
  });

  afterAll(async () => {
    await sut.stop();
  });

  describe('random bytes', () => {
    it.each([1, 2, 3, 7, 42, 1337])('closes the connection on 4 KiB of random bytes (seed %i) and keeps serving', async (seed) => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write(seededBytes(seed, 4096));

      await client.closedByAgent(REQUEST_TIMEOUT_MS * 3);
      client.destroy();
      await stillServes();
    });

    it.each([
      ['JSON lines', Buffer.from('{')],
      ['length-prefixed', Buffer.from([0x00])],
    ])('closes a %s connection that continues with random bytes', async (_name, first) => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write(Buffer.concat([first, seededBytes(99, 8192)]));

      await client.closedByAgent(REQUEST_TIMEOUT_MS * 3);
      client.destroy();
      await stillServes();
    });
  });

  describe('length-prefixed framing', () => {
    it('refuses a 100 MB length prefix at once: no valid prefix starts with anything but 0x00', async () => {
      const before = await rejected('bad_frame');
      const heapBefore = process.memoryUsage().heapUsed;
      const client = await HookSocketClient.connect(sut.socketPath);
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(100 * 1024 * 1024, 0);
      const startedMs = Date.now();
      client.write(prefix);
      client.write(Buffer.alloc(1024 * 1024, 0x41)); // the start of the "body": never read

      expect(await client.readLine()).toEqual({
        allowed: false,
        error: "unknown framing: first byte 0x06; expected '{' (JSON lines) or 0x00 (length-prefixed)",
      });
      expect(Date.now() - startedMs).toBeLessThan(REQUEST_TIMEOUT_MS);
      await client.closedByAgent();
      client.destroy();
      expect(await rejected('bad_frame')).toBe(before + 1);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(20 * 1024 * 1024);
    });

    it('refuses a length over the limit at once with an error frame, without reading the body', async () => {
      const before = await rejected('too_large');
      const client = await HookSocketClient.connect(sut.socketPath);
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(2 * 1024 * 1024, 0);
      const startedMs = Date.now();
      client.write(prefix);
      client.write(Buffer.alloc(256 * 1024, 0x41));

      expect(await client.readFrame()).toEqual({ allowed: false, error: 'frame of 2097152 bytes is over the 65536 byte limit' });
      expect(Date.now() - startedMs).toBeLessThan(REQUEST_TIMEOUT_MS);
      await client.closedByAgent();
      client.destroy();
      expect(await rejected('too_large')).toBe(before + 1);
    });

    it('refuses length 0', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write(Buffer.alloc(4));

      expect(await client.readFrame()).toEqual({ allowed: false, error: 'frame length 0 is invalid' });
      await client.closedByAgent();
      client.destroy();
    });

    it('answers a frame truncated by the client closing its side', async () => {
      const frame = legacyFrame({ reason: 'connect', username: 'alice', ip_real: '198.51.100.7', session_id: 'x' });
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write(frame.subarray(0, 20));
      client.end();

      expect(await client.readFrame()).toEqual({ allowed: false, error: 'the connection was closed in the middle of a request' });
      await client.closedByAgent();
      client.destroy();
    });

    it('copes with a client that vanishes in the middle of a frame', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write(Buffer.from([0x00, 0x00]));
      await sleep(20);
      client.destroy();

      await stillServes();
    });

    it('refuses a frame of the wrong shape', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write(legacyFrame({ reason: 'connect', username: ['alice'] }));

      expect(await client.readFrame()).toEqual({ allowed: false, error: 'username must be a string; got an array' });
      client.destroy();
    });
  });

  describe('JSON lines', () => {
    it('answers invalid JSON and goes on serving the same connection', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write('{"op": "connect", oops}\n');
      client.send({ op: 'connect', env: validEnv({ ID: 'after-bad-json' }) });

      expect(await client.readLine()).toEqual({ allowed: false, error: 'request is not valid JSON (23 bytes)' });
      expect(await client.readLine()).toEqual({ allowed: true, source: 'static' });
      client.destroy();
    });

    it.each([
      [{ op: 'reboot', env: {} }, 'op must be one of connect, disconnect, host-update; got "reboot" (6 chars)'],
      [{ op: 'connect', env: { USERNAME: 1 } }, 'env.USERNAME must be a string; got 1'],
      [{ op: 'connect', env: { 'bad name': 'x' } }, 'env name must be 1-64 characters of A-Z 0-9 _ starting with a letter; got "bad name" (8 chars)'],
      [{ op: 'connect', env: [] }, 'env must be a JSON object; got an array'],
      [{ op: 'connect', budget_ms: 5, env: {} }, 'budget_ms must be a whole number of milliseconds from 100 to 600000; got 5'],
      [{ op: 'connect', env: {}, admin: true }, 'unknown key "admin" (5 chars); a request has op, budget_ms and env'],
      [{ op: 'connect', env: {} }, 'env.USERNAME is required'],
    ])('refuses %j', async (request, error) => {
      expect(await askOnce(sut.socketPath, request)).toEqual({ allowed: false, error });
    });

    it('refuses a line longer than max_request_bytes as soon as the limit is passed', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write(`{"op":"connect","env":{"USER_AGENT":"${'A'.repeat(70 * 1024)}`);

      expect(await client.readLine(REQUEST_TIMEOUT_MS / 2)).toEqual({ allowed: false, error: 'request line is longer than 65536 bytes' });
      await client.closedByAgent();
      client.destroy();
    });

    it('refuses a first byte that matches no framing', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write('GET / HTTP/1.1\r\n\r\n');

      expect(await client.readLine()).toEqual({
        allowed: false,
        error: "unknown framing: first byte 0x47; expected '{' (JSON lines) or 0x00 (length-prefixed)",
      });
      await client.closedByAgent();
      client.destroy();
    });

    it('answers a line truncated by the client closing its side', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.write('{"op":"connect","en');
      client.end();

      expect(await client.readLine()).toEqual({ allowed: false, error: 'the connection was closed in the middle of a request' });
      await client.closedByAgent();
      client.destroy();
    });
  });

  describe('slow and idle clients', () => {
    it('cuts off a client sending one byte at a time after request_timeout_ms', async () => {
      const before = await rejected('timeout');
      const client = await HookSocketClient.connect(sut.socketPath);
      const request = Buffer.from(`${JSON.stringify({ op: 'connect', env: validEnv() })}\n`);
      const startedMs = Date.now();
      let sent = 0;
      const trickle = setInterval(() => {
        if (!client.isClosed && sent < request.length) client.write(request.subarray(sent, ++sent));
      }, 100);
      try {
        expect(await client.readLine(REQUEST_TIMEOUT_MS * 4)).toEqual({ allowed: false, error: `no complete request within ${REQUEST_TIMEOUT_MS} ms` });
        await client.closedByAgent();
      } finally {
        clearInterval(trickle);
        client.destroy();
      }
      const elapsedMs = Date.now() - startedMs;
      expect(elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS * 3);
      expect(sent).toBeLessThan(request.length);
      expect(await rejected('timeout')).toBe(before + 1);
    });

    it('closes a connection that never sends anything, with an answer', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);

      expect(await client.readLine(REQUEST_TIMEOUT_MS * 3)).toEqual({ allowed: false, error: `no complete request within ${REQUEST_TIMEOUT_MS} ms` });
      await client.closedByAgent();
      client.destroy();
    });

    it('quietly closes a JSON-lines connection left idle after an answer', async () => {
      const client = await HookSocketClient.connect(sut.socketPath);
      client.send({ op: 'connect', env: validEnv({ ID: 'then-idle' }) });
      expect(await client.readLine()).toEqual({ allowed: true, source: 'static' });

      await client.closedByAgent(REQUEST_TIMEOUT_MS * 3);
      expect(client.unread.length).toBe(0);
      client.destroy();
    });
  });

  it('has no connection left open once every client is gone', async () => {
    await eventually(() => metricValue(sut.app, CONNECTIONS), 0);
    await stillServes();
  });
});

/** 1,000 connections held open (idle or trickling) must not keep 50 real requests from being answered. */
describe('hook socket under a connection flood', () => {
  const FLOOD = 1000;
  const LEGITIMATE = 50;
  let sut: HookSocketAgent;

  beforeAll(async () => {
    // A long timeout: the flood stays open for the whole test instead of being cut off.
    sut = await startHookSocketAgent({ request_timeout_ms: 20_000, max_connections: 2048 });
  });

  afterAll(async () => {
    await sut.stop();
  });

  it('answers every legitimate request while 1,000 connections are held open, then returns to 0 connections', async () => {
    const gc = (global as { gc?: () => void }).gc;
    gc?.();
    const heapBeforeBytes = process.memoryUsage().heapUsed;
    const flood: HookSocketClient[] = [];
    for (let batch = 0; batch < FLOOD / 100; batch += 1) {
      flood.push(...(await Promise.all(Array.from({ length: 100 }, () => HookSocketClient.connect(sut.socketPath)))));
    }
    // Half idle, half trickling a request that never completes.
    const trickling = flood.filter((_, index) => index % 2 === 0);
    trickling.forEach((client) => client.write('{"op":"connect","env":{'));
    const trickle = setInterval(() => trickling.forEach((client) => client.write(' ')), 200);
    try {
      await eventually(() => metricValue(sut.app, 'ocserv_agent_ipc_connections'), FLOOD);

      const replies = await Promise.all(
        Array.from({ length: LEGITIMATE }, (_, index) =>
          askOnce(sut.socketPath, { op: 'connect', budget_ms: 5000, env: validEnv({ ID: `legit-${index}`, USERNAME: `user${index}` }) }),
        ),
      );

      expect(replies).toEqual(Array.from({ length: LEGITIMATE }, () => ({ allowed: true, source: 'static' })));
      expect(flood.every((client) => !client.isClosed)).toBe(true);
    } finally {
      clearInterval(trickle);
      flood.forEach((client) => client.destroy());
    }

    await eventually(() => metricValue(sut.app, 'ocserv_agent_ipc_connections'), 0);
    expect(await askOnce(sut.socketPath, { op: 'connect', env: validEnv({ ID: 'after-flood' }) })).toEqual({ allowed: true, source: 'static' });
    gc?.();
    expect(process.memoryUsage().heapUsed - heapBeforeBytes).toBeLessThan(50 * 1024 * 1024);
  }, 60_000);
});

/** At ipc.max_connections the oldest idle connection makes room; only when none is idle is a newcomer refused. */
describe('hook socket at its connection cap', () => {
  let sut: HookSocketAgent;

  beforeAll(async () => {
    sut = await startHookSocketAgent({ max_connections: 3, request_timeout_ms: 20_000 });
  });

  afterAll(async () => {
    await sut.stop();
  });

  it('evicts the oldest idle connection with a refusal line (never silence) and serves the newcomer', async () => {
    const held = [];
    for (let i = 0; i < 3; i += 1) held.push(await HookSocketClient.connect(sut.socketPath));
    await eventually(() => metricValue(sut.app, 'ocserv_agent_ipc_connections'), 3);

    const reply = await askOnce(sut.socketPath, { op: 'connect', env: validEnv({ ID: 'newcomer' }) });

    expect(reply).toEqual({ allowed: true, source: 'static' });
    await held[0]?.closedByAgent(1000);
    expect(held[0]?.unread.toString('utf8')).toBe(
      '{"allowed":false,"error":"refused: evicted to make room (3 connections open, ipc.max_connections)"}\n',
    );
    expect(await metricValue(sut.app, REJECTED, { reason: 'evicted' })).toBe(1);
    expect(await metricValue(sut.app, REJECTED, { reason: 'over_capacity' })).toBe(0);
    held.forEach((client) => client.destroy());
    await eventually(() => metricValue(sut.app, 'ocserv_agent_ipc_connections'), 0);
  });
});

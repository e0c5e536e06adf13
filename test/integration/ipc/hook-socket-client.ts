import { once } from 'node:events';
import { connect, Socket } from 'node:net';

const DEFAULT_WAIT_MS = 5000;

/** A raw client of the hook socket: writes bytes, reads JSON lines or length-prefixed frames, sees the close. */
export class HookSocketClient {
  private received = Buffer.alloc(0);
  private closed = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.notify();
    });
    socket.on('error', () => undefined);
    // The agent's side ending is what matters; our side stays open (allowHalfOpen) until destroy().
    const agentClosed = (): void => {
      this.closed = true;
      this.notify();
    };
    socket.on('end', agentClosed);
    socket.on('close', agentClosed);
  }

  static async connect(path: string): Promise<HookSocketClient> {
    const socket = connect({ path, allowHalfOpen: true });
    await once(socket, 'connect');
    return new HookSocketClient(socket);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Everything received and not yet read. */
  get unread(): Buffer {
    return this.received;
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** Writes one request as a JSON line. */
  send(request: unknown): void {
    this.write(`${JSON.stringify(request)}\n`);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  async readLine(waitMs = DEFAULT_WAIT_MS): Promise<Record<string, unknown>> {
    await this.until(() => this.received.includes(0x0a), waitMs, 'an answer line');
    const newline = this.received.indexOf(0x0a);
    const line = this.received.subarray(0, newline).toString('utf8');
    this.received = this.received.subarray(newline + 1);
    return JSON.parse(line) as Record<string, unknown>;
  }

  async readFrame(waitMs = DEFAULT_WAIT_MS): Promise<Record<string, unknown>> {
    await this.until(() => this.received.length >= 4 && this.received.length >= 4 + this.received.readUInt32BE(0), waitMs, 'an answer frame');
    const length = this.received.readUInt32BE(0);
    const body = this.received.subarray(4, 4 + length).toString('utf8');
    this.received = this.received.subarray(4 + length);
    return JSON.parse(body) as Record<string, unknown>;
  }

  /** Resolves once the agent closed the connection; rejects after `waitMs`. */
  async closedByAgent(waitMs = DEFAULT_WAIT_MS): Promise<void> {
    await this.until(() => this.closed, waitMs, 'the agent to close the connection');
  }

  private until(condition: () => boolean, waitMs: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (condition()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        } else if (this.closed) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(new Error(`connection closed while waiting for ${what}; unread: ${JSON.stringify(this.received.toString('utf8'))}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${waitMs} ms`));
      }, waitMs);
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A length-prefixed frame of the earlier agent's framing. */
export function legacyFrame(request: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(request), 'utf8');
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(body.length, 0);
  return Buffer.concat([prefix, body]);
}

/** One NDJSON request on a fresh connection, as the hook does: send, read the answer, close. */
export async function askOnce(path: string, request: unknown): Promise<Record<string, unknown>> {
  const client = await HookSocketClient.connect(path);
  try {
    client.send(request);
    return await client.readLine();
  } finally {
    client.destroy();
  }
}

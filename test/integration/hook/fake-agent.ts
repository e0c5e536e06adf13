import { Server, Socket, createServer } from 'node:net';

/** One request line as the hook sends it (docs/hook.md). */
export interface HookRequest {
  readonly op: string;
  readonly budget_ms: number;
  readonly env: Record<string, string>;
}

/** The raw bytes to answer with (newline included or not), or `undefined` to never answer. */
export type FakeAgentReply = (request: HookRequest) => string | undefined;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

export const ALLOW_ALL: FakeAgentReply = () => '{"allowed":true,"source":"test"}\n';

/**
 * The agent's side of the hook socket, on a real Unix socket: records every
 * request line and answers it with whatever `reply` returns, then closes.
 */
export class FakeAgent {
  readonly requests: HookRequest[] = [];
  /** Each received line exactly as sent, without its '\n'. */
  readonly rawLines: string[] = [];
  /** Lines that were not valid UTF-8 JSON (why). */
  readonly malformed: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private reply: FakeAgentReply,
  ) {}

  static start(socketPath: string, reply: FakeAgentReply = ALLOW_ALL): Promise<FakeAgent> {
    const server = createServer();
    const agent = new FakeAgent(server, reply);
    server.on('connection', (socket) => agent.serve(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve(agent));
    });
  }

  answerWith(reply: FakeAgentReply): void {
    this.reply = reply;
  }

  /** Resolves once `count` requests arrived (the hook may exit before the server's data event ran). */
  async waitForRequests(count: number, timeoutMs = 5_000): Promise<HookRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return this.requests;
  }

  stop(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const end = pending.indexOf(0x0a);
      if (end < 0) return;
      let line: string;
      let request: HookRequest;
      try {
        // fatal: a line that is not valid UTF-8 is recorded as malformed, never repaired here.
        line = STRICT_UTF8.decode(pending.subarray(0, end));
        request = JSON.parse(line) as HookRequest;
      } catch (error) {
        this.malformed.push(String(error));
        socket.destroy();
        return;
      }
      pending = pending.subarray(end + 1);
      this.rawLines.push(line);
      this.requests.push(request);
      const answer = this.reply(request);
      if (answer !== undefined) socket.end(answer);
    });
  }
}

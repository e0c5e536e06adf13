import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { createServer, Server as NetServer, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { lastValueFrom } from 'rxjs';
import type { Clock } from '../clock/clock';
import type { IpcConfig } from '../config/agent-config.schema';
import { AgentErrorCode } from '../errors/agent-error-code.enum';
import { AgentError } from '../errors/agent-error';
import type { HookFraming, HookOp, HookRequest } from './hook-request';
import { IpcConnection, IpcRequestHandler } from './ipc-connection';
import { IpcContext } from './ipc-context';
import { encodeReply } from './framing/reply-encoding';
import { HANDLER_GRACE_MS, OVER_CAPACITY_LINGER_MS, SHUTDOWN_DRAIN_MS, SOCKET_FILE_MODE } from './ipc-limits.constant';
import type { IpcMetrics, IpcRejection } from './ipc-metrics';
import type { IpcOutcome } from './ipc-outcome';
import type { AckReply, ConnectReply, IpcReply } from './ipc-reply';
import { outcomeOfReply, toIpcErrorAnswer, toRefusalReply } from './ipc-reply.mapper';
import { IPC_TRANSPORT } from './ipc-transport.constant';
import { RefusalLog } from './refusal-log';
import { resolveSocketGroup } from './socket-file/socket-group';
import { UnixSocketFile } from './socket-file/unix-socket-file';

export interface IpcServerOptions {
  readonly config: IpcConfig;
  /** authorization.decision_timeout_ms: the budget of a request that states none (the earlier framing). */
  readonly decisionTimeoutMs: number;
  readonly metrics: IpcMetrics;
  readonly clock: Clock;
}

/**
 * The hook socket as a Nest transport: a Unix socket (node:net) whose requests go to the
 * `@MessagePattern(op, IPC_TRANSPORT)` handlers. Framing, limits and timers are per
 * connection (IpcConnection); this class owns the listener, the connection cap, the
 * dispatch to handlers with a fail-closed deadline, and the shutdown.
 */
export class IpcServer extends Server implements CustomTransportStrategy, IpcRequestHandler {
  override readonly transportId = IPC_TRANSPORT;
  private readonly ipcLogger = new Logger(IpcServer.name);
  private readonly refusals: RefusalLog;
  private readonly connections = new Set<IpcConnection>();
  private netServer: NetServer | undefined;
  private socketFile: UnixSocketFile | undefined;
  private starting: Promise<void> | undefined;
  private closing = false;
  private onAllClosed: (() => void) | undefined;
  /** Handlers found by op; at most one entry per HookOp. */
  private readonly handlerByOp = new Map<HookOp, MessageHandler>();

  constructor(private readonly options: IpcServerOptions) {
    super();
    this.refusals = new RefusalLog(this.ipcLogger, options.clock);
  }

  /** The socket's path once listening. */
  get path(): string | undefined {
    return this.socketFile?.path;
  }

  listen(callback: (error?: unknown) => void): void {
    this.starting = this.start();
    this.starting.then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.starting?.catch(() => undefined);
    const server = this.netServer;
    if (server === undefined) return;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await this.drainConnections();
    await stopped;
    await this.socketFile?.remove();
  }

  on(): never {
    throw new Error('IpcServer has no events to subscribe to');
  }

  unwrap<T>(): T {
    return this.netServer as T;
  }

  /** Runs the handler for `request.op`; every failure becomes a (never-allowing) answer. */
  async handle(request: HookRequest, framing: HookFraming): Promise<IpcReply> {
    const startedMs = performance.now();
    const { reply, outcome } = await this.invoke(request, framing);
    const durationMs = performance.now() - startedMs;
    this.options.metrics.requestAnswered(request.op, outcome, durationMs);
    this.ipcLogger.debug({ msg: 'hook request answered', op: request.op, framing, outcome, duration_ms: Math.round(durationMs * 10) / 10 });
    return reply;
  }

  private async start(): Promise<void> {
    const { config } = this.options;
    const gid = await resolveSocketGroup(config.socket_group);
    // allowHalfOpen: a client may end its side right after the request and still read the answer.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    server.on('error', (error) => this.ipcLogger.error({ msg: 'hook socket listener failed', err: error }));
    this.netServer = server;
    this.socketFile = new UnixSocketFile({ path: config.socket_path, gid, backlog: config.max_connections });
    await this.socketFile.listen(server);
    this.ipcLogger.log({
      msg: 'hook socket listening',
      path: config.socket_path,
      mode: SOCKET_FILE_MODE.toString(8).padStart(4, '0'),
      gid: gid ?? 'the agent group',
      max_connections: config.max_connections,
    });
  }

  private accept(socket: Socket): void {
    const { config, metrics } = this.options;
    if (!this.closing && this.connections.size >= config.max_connections) this.evictOldestIdle();
    if (this.closing || this.connections.size >= config.max_connections) {
      const message = this.closing
        ? 'the agent is stopping'
        : `${config.max_connections} connections are open, each with a request being decided (ipc.max_connections)`;
      turnAway(socket, message);
      this.reject('over_capacity', message);
      return;
    }
    metrics.connectionOpened();
    const connection: IpcConnection = new IpcConnection(
      socket,
      { maxRequestBytes: config.max_request_bytes, requestTimeoutMs: config.request_timeout_ms },
      this,
      {
        rejected: (reason, message) => this.reject(reason, message),
        closed: () => this.forget(connection),
      },
    );
    this.connections.add(connection);
  }

  /**
   * At the cap, the oldest connection with no request being decided makes room.
   * Without this a local client holding max_connections idle (or trickling)
   * connections refused every login for request_timeout_ms at a time; the hook
   * sends its request as soon as it connects, so it is the newest and is never
   * the one evicted while older idle connections exist. Only when every slot has
   * a request being decided is a newcomer turned away: a real overload.
   */
  private evictOldestIdle(): void {
    for (const connection of this.connections) {
      if (!connection.idle) continue;
      // Set order is accept order: the first idle one is the oldest.
      this.forget(connection);
      connection.evict(`refused: evicted to make room (${this.options.config.max_connections} connections open, ipc.max_connections)`);
      return;
    }
  }

  private forget(connection: IpcConnection): void {
    if (!this.connections.delete(connection)) return;
    this.options.metrics.connectionClosed();
    if (this.connections.size === 0) this.onAllClosed?.();
  }

  private reject(reason: IpcRejection, message: string): void {
    this.options.metrics.rejection(reason);
    this.refusals.warn(reason, message);
  }

  private async invoke(request: HookRequest, framing: HookFraming): Promise<{ reply: IpcReply; outcome: IpcOutcome }> {
    try {
      const handler = this.handlerFor(request.op);
      if (handler === null) {
        throw new Error(`no IPC handler is registered for "${request.op}"`);
      }
      const deadlineMs = (request.budgetMs ?? this.options.decisionTimeoutMs) + HANDLER_GRACE_MS;
      const reply = await withDeadline(this.run(handler, request, framing), deadlineMs, request.op);
      return { reply, outcome: outcomeOfReply(reply) };
    } catch (error) {
      const answer = toIpcErrorAnswer(error, request.op);
      if (answer.reference !== undefined) {
        this.ipcLogger.error({ msg: 'internal error in a hook request', op: request.op, reference: answer.reference, err: answer.cause });
      } else if (answer.outcome === 'timeout') {
        this.ipcLogger.error({ msg: 'a hook handler overran its budget; answered without it (fail closed)', op: request.op });
      }
      return answer;
    }
  }

  /**
   * Nest's lookup JSON.parses the pattern and throws (a stack trace) for a plain op name:
   * measured ~20 us per request, once per op here. A missing handler is not remembered.
   */
  private handlerFor(op: HookOp): MessageHandler | null {
    const known = this.handlerByOp.get(op);
    if (known !== undefined) return known;
    const handler = this.getHandlerByPattern(op);
    if (handler !== null) this.handlerByOp.set(op, handler);
    return handler;
  }

  private async run(handler: MessageHandler, request: HookRequest, framing: HookFraming): Promise<ConnectReply | AckReply> {
    const result: unknown = await handler(request, new IpcContext([framing]));
    return (await lastValueFrom(this.transformToObservable(result))) as ConnectReply | AckReply;
  }

  /** Idle connections close now; requests in flight get SHUTDOWN_DRAIN_MS to answer; then the rest are cut. */
  private async drainConnections(): Promise<void> {
    if (this.connections.size === 0) return;
    const allClosed = new Promise<void>((resolve) => (this.onAllClosed = resolve));
    for (const connection of [...this.connections]) connection.shutdown();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      allClosed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), SHUTDOWN_DRAIN_MS))),
    ]);
    clearTimeout(timer);
    if (!drained) {
      this.ipcLogger.warn({ msg: 'hook requests still in flight at shutdown were cut off', connections: this.connections.size });
      for (const connection of [...this.connections]) connection.destroy();
      await allClosed;
    }
  }
}

/**
 * A handler that has not settled by `deadlineMs` is answered with DEADLINE_EXCEEDED (a deny).
 * The domain already answers within the budget; this guard keeps a handler that never settles
 * from holding its connection (and, for JSON lines, every later request on it) for ever.
 */
function withDeadline<T>(work: Promise<T>, deadlineMs: number, op: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new AgentError(AgentErrorCode.DeadlineExceeded, `the agent did not finish ${op} within ${deadlineMs} ms; denied (fail closed)`)),
      deadlineMs,
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * A connection over the cap (or during shutdown) gets a refusal line, then is closed: a
 * connection closed unanswered would look to the hook like an agent that is not there, and
 * on_agent_unreachable=allow would let the user in. Nothing has been read, so the framing is
 * unknown and the refusal is a JSON line (what the hook reads). The kernel takes these
 * ~100 bytes at once; the linger only bounds a socket whose buffer is somehow full.
 */
function turnAway(socket: Socket, message: string): void {
  socket.on('error', () => undefined);
  const linger = setTimeout(() => socket.destroy(), OVER_CAPACITY_LINGER_MS);
  linger.unref();
  socket.end(encodeReply(undefined, toRefusalReply(`refused: ${message}`)), () => {
    clearTimeout(linger);
    socket.destroy();
  });
}

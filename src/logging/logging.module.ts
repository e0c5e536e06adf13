import { DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { stdTimeFunctions } from 'pino';
import type { DestinationStream } from 'pino';
import type { AgentConfig } from '../config/agent-config.schema';
import { AgentLogRing } from '../logs/agent-log-ring';
import { LogRingModule } from './log-ring.module';
import { redactSecrets, redactString } from './secret-redaction';

/** Probes and scrapes arrive every few seconds; one line each would bury everything else. */
const QUIET_HTTP_PATHS = ['/health/', '/metrics'];

/**
 * nestjs-pino: JSON lines on stdout (pretty only with `log.format: pretty`),
 * string levels, ISO times, secrets redacted from every object and message.
 * Every line also goes into the AgentLogRing that StreamLogs reads.
 */
@Module({})
export class LoggingModule {
  /** `destination` replaces stdout (tests capture log lines with it). */
  static forRoot(destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LogRingModule,
        LoggerModule.forRootAsync({
          imports: [LogRingModule],
          inject: [ConfigService, AgentLogRing],
          useFactory: (config: ConfigService<AgentConfig, true>, ring: AgentLogRing) => {
            const options = pinoOptions(config.get('log', { infer: true }), config.get('agent', { infer: true }).id, ring);
            return { pinoHttp: destination === undefined ? options : [options, destination] };
          },
        }),
      ],
      exports: [LogRingModule],
    };
  }
}

/** The agent's pino(-http) options; exported so tests build a logger exactly like the agent's. */
export function pinoOptions(log: AgentConfig['log'], agentId: string, ring: AgentLogRing): PinoHttpOptions {
  return {
    level: log.level,
    base: { service: 'ocserv-agent', agent_id: agentId },
    timestamp: stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg: unknown) => (typeof arg === 'string' ? redactString(arg) : arg));
        method.apply(this, redacted as Parameters<typeof method>);
      },
      // Sees each serialized line before the destination does, transport (pino-pretty) or not.
      streamWrite(line: string): string {
        ring.append(line);
        return line;
      },
    },
    autoLogging: {
      ignore: (request: IncomingMessage) => QUIET_HTTP_PATHS.some((path) => (request.url ?? '').startsWith(path)),
    },
    serializers: {
      req: (request: { method?: string; url?: string; remoteAddress?: string }) => ({
        method: request.method,
        url: request.url,
        remote: request.remoteAddress,
      }),
      res: (response: { statusCode?: number }) => ({ status: response.statusCode }),
    },
    transport: log.format === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
  };
}

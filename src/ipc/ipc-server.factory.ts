import type { INestApplication } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { IpcMetrics } from './ipc-metrics';
import { IpcServer } from './ipc.server';

/** Builds the hook socket transport from validated config and the app's metrics and clock. */
export function createIpcServer(app: INestApplication, config: AgentConfig): IpcServer {
  return new IpcServer({
    config: config.ipc,
    decisionTimeoutMs: config.authorization.decision_timeout_ms,
    metrics: app.get(IpcMetrics),
    clock: app.get(Clock),
  });
}

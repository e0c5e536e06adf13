import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import type { AgentConfig } from '../../../src/config/agent-config.schema';
import { startTestAgent, TestAgent } from '../../support/test-agent';

export interface HookSocketAgent {
  readonly agent: TestAgent;
  readonly app: INestApplication;
  readonly socketPath: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** The in-process test agent with its hook socket in a fresh temp dir. */
export async function startHookSocketAgent(ipc: Partial<AgentConfig['ipc']> = {}, extra: Record<string, unknown> = {}): Promise<HookSocketAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-ipc-'));
  const socketPath = join(dir, 'hook.sock');
  try {
    const agent = await startTestAgent({ ...extra, ipc: { enabled: true, socket_path: socketPath, ...ipc } });
    return {
      agent,
      app: agent.agent.app,
      socketPath,
      dir,
      async stop() {
        await agent.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A metric's current value for these labels (0 when never set). */
export async function metricValue(app: INestApplication, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = app.get(MetricsRegistry).getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label));
  return match?.value ?? 0;
}

/** Polls until `read` returns `expected` (or fails after `waitMs`). */
export async function eventually<T>(read: () => Promise<T> | T, expected: T, waitMs = 5000): Promise<void> {
  const deadline = Date.now() + waitMs;
  let last: T = await read();
  while (last !== expected) {
    if (Date.now() > deadline) throw new Error(`expected ${String(expected)}, still ${String(last)} after ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = await read();
  }
}

/** Deterministic bytes for a seed (mulberry32), so a failing seed can be replayed. */
export function seededBytes(seed: number, length: number): Buffer {
  let state = seed >>> 0;
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    bytes[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return bytes;
}

export const validEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
  REASON: 'connect',
  USERNAME: 'alice',
  ID: '1001',
  IP_REAL: '198.51.100.7',
  IP_REMOTE: '10.10.0.2',
  DEVICE: 'vpns0',
  ...overrides,
});

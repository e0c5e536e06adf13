import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningAgent, startAgent } from '../../src/agent-app';
import type { AgentConfig } from '../../src/config/agent-config.schema';
import { AgentClients, connectAgent, mtlsCredentials } from './agent-clients';
import { LogCapture } from './log-capture';
import { testAgentConfig, TEST_IDENTITIES } from './test-agent-config';
import { createTestPki, TestPki } from './test-pki';

export interface TestAgent {
  readonly agent: RunningAgent;
  readonly pki: TestPki;
  readonly logs: LogCapture;
  readonly config: AgentConfig;
  /** A client presenting a certificate with this CN from the trusted CA. */
  clientAs(commonName: string): AgentClients;
  /** Stops the agent, closes every client made through clientAs and removes the temp dir. */
  stop(): Promise<void>;
}

/** Boots the real hybrid app in-process on random ports with a fresh throwaway PKI. */
export async function startTestAgent(
  overrides: Parameters<typeof testAgentConfig>[1] = {},
): Promise<TestAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-test-'));
  const pki = createTestPki(dir);
  const config = testAgentConfig(pki, { log: { level: 'info' }, ...overrides });
  const logs = new LogCapture();
  const agent = await startAgent(config, { logDestination: logs });
  const clients: AgentClients[] = [];
  return {
    agent,
    pki,
    logs,
    config,
    clientAs(commonName) {
      const client = connectAgent(agent.grpcPort, mtlsCredentials(pki, pki.client(commonName)));
      clients.push(client);
      return client;
    },
    async stop() {
      clients.forEach((client) => client.close());
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { TEST_IDENTITIES };

import type { TestAgent } from '../../support/test-agent';

/** ocserv_agent_authorization_decisions_total{source,allowed} read from the agent's real /metrics. */
export async function decisionCount(agent: TestAgent, source: string, allowed: boolean): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${agent.agent.httpPort}/metrics`);
  const text = await response.text();
  const pattern = new RegExp(
    `^ocserv_agent_authorization_decisions_total\\{(?=[^}]*source="${source}")(?=[^}]*allowed="${allowed}")[^}]*\\} (\\d+)$`,
    'm',
  );
  return Number(pattern.exec(text)?.[1] ?? 0);
}

export async function metricValue(agent: TestAgent, name: string): Promise<number | undefined> {
  const response = await fetch(`http://127.0.0.1:${agent.agent.httpPort}/metrics`);
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(await response.text());
  return match === null ? undefined : Number(match[1]);
}

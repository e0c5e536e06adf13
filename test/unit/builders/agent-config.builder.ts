import { ConfigService } from '@nestjs/config';
import { AgentConfig, agentConfigSchema } from '../../../src/config/agent-config.schema';

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/** A validated AgentConfig: schema defaults, insecure gRPC (no TLS files needed), plus `overrides`. */
export function anAgentConfig(overrides: DeepPartial<AgentConfig> = {}): AgentConfig {
  const base = { agent: { id: 'unit-test-agent' }, grpc: { insecure: true } };
  return agentConfigSchema.parse(deepMerge(base, overrides as Record<string, unknown>));
}

/** The real @nestjs/config ConfigService over `config`, as Nest injects it. */
export function configServiceFor(config: AgentConfig): ConfigService<AgentConfig, true> {
  return new ConfigService<AgentConfig, true>(config);
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = result[key];
    result[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

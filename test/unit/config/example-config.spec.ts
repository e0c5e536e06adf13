import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { agentConfigSchema } from '../../../src/config/agent-config.schema';
import { DEFAULT_ALLOWED_OCCTL_COMMANDS } from '../../../src/occtl/occtl-command.catalog';

/** docs/agent.example.yaml is what operators copy: it must pass the schema and say what the defaults are. */
describe('docs/agent.example.yaml', () => {
  const example = parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'agent.example.yaml'), 'utf8')) as unknown;

  it('passes the config schema', () => {
    expect(agentConfigSchema.safeParse(example).success).toBe(true);
  });

  it('lists exactly the default ExecuteCommand allowlist', () => {
    const config = agentConfigSchema.parse(example);
    expect([...config.ocserv.allowed_commands].sort()).toEqual([...DEFAULT_ALLOWED_OCCTL_COMMANDS].sort());
  });
});

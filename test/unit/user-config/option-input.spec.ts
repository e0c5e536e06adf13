import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { listValues, mapChanges } from '../../../src/user-config/option-input';
import { agentErrorFrom } from '../builders/caught-error';

describe(mapChanges.name, () => {
  it('reads keys (aliases too) with canonical values; a repeatable key takes a comma-separated list; empty removes', () => {
    const changes = mapChanges({ 'split-dns': 'corp.example, Lab.Example', 'tunnel-all-dns': 'true', mtu: '' }, 'config_params');

    expect([...changes]).toEqual([
      ['split-dns', ['corp.example', 'lab.example']],
      ['tunnel_all_dns', ['true']],
      ['mtu', []],
    ]);
  });

  it.each([
    ['an unknown key', { 'cron-job': 'x' }, /^config_params: "cron-job"/],
    ['a reserved key', { route: '10.0.0.0/8' }, /^config_params\[route\]: set it through its own field/],
    ['a newline that trimming would have hidden', { 'split-dns': 'a.example,\nb.example' }, /^config_params\[split-dns\]\[1\]: control characters/],
    ['a bad value', { mtu: 'big' }, /^config_params\[mtu\]: /],
  ])('refuses %s, naming the field', (_label, entries, message) => {
    const error = agentErrorFrom(() => mapChanges(entries, 'config_params', ['route', 'dns']));

    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(error.message).toMatch(message);
  });

  it('refuses more than 64 entries', () => {
    const entries = Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`k${index}`, 'x']));

    expect(agentErrorFrom(() => mapChanges(entries, 'config_params')).message).toMatch(/at most 64 entries/);
  });
});

describe(listValues.name, () => {
  it('validates each value with its index and drops duplicates', () => {
    expect(listValues('route', ['10.0.0.0/8', '10.0.0.1/8'], 'routes')).toEqual(['10.0.0.0/8']);
    expect(agentErrorFrom(() => listValues('route', ['10.0.0.0/8', 'x'], 'routes')).message).toMatch(/^routes\[1\]: /);
  });

  it('refuses more than 1024 values without looking at them', () => {
    expect(agentErrorFrom(() => listValues('route', Array<string>(1025).fill('bad'), 'routes')).message).toBe('routes: at most 1024 values, got 1025');
  });
});

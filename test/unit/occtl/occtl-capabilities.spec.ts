import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHelpCommands, parseOcctlVersion } from '../../../src/occtl/occtl-capabilities';
import { BASELINE_OCCTL_COMMANDS, matchOcctlCommand, OCCTL_COMMAND_NAMES } from '../../../src/occtl/occtl-command.catalog';

const fixture = (version: string) => readFileSync(join(__dirname, '..', '..', 'fixtures', 'occtl', version, 'help.txt'), 'utf8');

describe(parseHelpCommands.name, () => {
  it('finds the 16 commands of occtl 1.1.6 and no terminate', () => {
    const found = parseHelpCommands(fixture('1.1.6'));
    expect([...found].sort()).toEqual([...BASELINE_OCCTL_COMMANDS].sort());
    expect(found.size).toBe(16);
  });

  it('finds terminate user/id/session where occtl lists them', () => {
    const found = parseHelpCommands(fixture('1.3.0'));
    expect([...found].sort()).toEqual([...OCCTL_COMMAND_NAMES].sort());
  });

  it('finds nothing in output that is not occtl help', () => {
    expect(parseHelpCommands('bash: occtl: command not found\n').size).toBe(0);
  });
});

describe(matchOcctlCommand.name, () => {
  it('matches the longest command name and leaves the argument', () => {
    expect(matchOcctlCommand(['show', 'sessions', 'all'])).toMatchObject({ spec: { name: 'show sessions all' }, args: [] });
    expect(matchOcctlCommand(['show', 'session', 'MsfXEO'])).toMatchObject({ spec: { name: 'show session' }, args: ['MsfXEO'] });
    expect(matchOcctlCommand(['show', 'ip', 'ban', 'points'])).toMatchObject({ spec: { name: 'show ip ban points' }, args: [] });
  });

  it('knows which commands take which argument and how their output is read', () => {
    expect(matchOcctlCommand(['disconnect', 'id', '1'])?.spec).toMatchObject({ arg: 'worker-id', output: 'text' });
    expect(matchOcctlCommand(['show', 'users'])?.spec).toMatchObject({ arg: undefined, output: 'json' });
    expect(matchOcctlCommand(['show', 'events'])?.spec.output).toBe('stream');
  });

  it('matches nothing for an unknown command', () => {
    expect(matchOcctlCommand(['show', 'cookies', 'all'])).toBeUndefined();
    expect(matchOcctlCommand([])).toBeUndefined();
  });
});

describe(parseOcctlVersion.name, () => {
  it('reads the version occtl 1.1.6 prints', () => {
    const printed = readFileSync(join(__dirname, '..', '..', 'fixtures', 'occtl', '1.1.6', 'version.txt'), 'utf8');
    expect(parseOcctlVersion(printed)).toBe('1.1.6');
  });

  it('is undefined for text without a version', () => {
    expect(parseOcctlVersion('occtl: command not found')).toBeUndefined();
  });
});

import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { applyChanges } from '../../../src/user-config/config-edits';
import { optionsFromJson, parseConfigText } from '../../../src/user-config/ocserv-config.parser';
import { MANAGED_HEADER, renderConfig } from '../../../src/user-config/ocserv-config.renderer';
import { agentErrorFrom } from '../builders/caught-error';

const HAND_WRITTEN = [
  '# alice: set up by hand, ticket 4711',
  'route = 10.1.0.0/255.255.0.0',
  'x-site-note = keep me',
  '',
  'dns = 10.1.0.53 # the office resolver',
  '; old style comment',
  'max-same-clients: 2',
  '',
].join('\n');

describe(parseConfigText.name, () => {
  it('reads known keys into canonical options and keeps the rest as lines', () => {
    const document = parseConfigText(HAND_WRITTEN);

    expect([...document.options]).toEqual([
      ['route', ['10.1.0.0/16']],
      ['dns', ['10.1.0.53']],
      ['max-same-clients', ['2']],
    ]);
    expect(document.lines.filter((line) => line.kind === 'preserved').map((line) => line.raw)).toEqual([
      '# alice: set up by hand, ticket 4711',
      'x-site-note = keep me',
      '',
      '; old style comment',
    ]);
  });

  it('reads an indented line as a continuation of the previous key, as ocserv does, and validates it', () => {
    expect(parseConfigText('route = 10.0.0.0/8\n  10.2.0.0/16\n').options.get('route')).toEqual(['10.0.0.0/8', '10.2.0.0/16']);
    expect(agentErrorFrom(() => parseConfigText('route = 10.0.0.0/8\n  0.0.0.0/0\n')).message).toMatch(/line 2 \(route\)/);
  });

  it('keeps the last line of a single-valued key, as ocserv does', () => {
    expect(parseConfigText('mtu = 1400\nmtu = 1300\n').options.get('mtu')).toEqual(['1300']);
  });

  it('refuses a [section]: ocserv 1.5.1 rejects the login, earlier versions skip the rest of the file', () => {
    expect(agentErrorFrom(() => parseConfigText('route = 10.0.0.0/8\n[vhost:a]\nroute = 10.1.0.0/16\n')).message).toMatch(/^config_content line 2: \[sections\]/);
  });

  it('keeps a # on a continuation line in the value, as inih does, so it is refused', () => {
    expect(agentErrorFrom(() => parseConfigText('route = 10.0.0.0/8\n  10.2.0.0/16 # x\n')).message).toMatch(/line 2 \(route\)/);
  });

  it('refuses tunnel_all_dns and tunnel-all-dns that disagree', () => {
    expect(agentErrorFrom(() => parseConfigText('tunnel_all_dns = true\ntunnel-all-dns = false\n')).message).toMatch(/disagree/);
  });

  it('refuses a bidi control character, even in a comment', () => {
    expect(agentErrorFrom(() => parseConfigText('# note \u202e\n')).code).toBe(AgentErrorCode.InvalidArgument);
  });

  it('drops its own header line', () => {
    expect(parseConfigText(`${MANAGED_HEADER}\nroute = 10.0.0.0/8\n`).lines).toHaveLength(1);
  });

  it.each([
    ['a bad route, naming the line', 'dns = 10.0.0.53\nroute = 10.0.0.0/33\n', /^config_content line 2 \(route\): /],
    ['a line without a value', 'route\n', /^config_content line 1: expected "key = value"/],
    ['a control character in a comment', '# hi\u0007\n', /^config_content line 1: control characters/],
    ['a line over 2,000 characters', `# ${'x'.repeat(2100)}\n`, /longer than 2000/],
  ])('refuses %s', (_label, text, message) => {
    const error = agentErrorFrom(() => parseConfigText(text));

    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(error.message).toMatch(message);
  });
});

describe(renderConfig.name, () => {
  it('starts with the header and ends with a newline', () => {
    const text = renderConfig(parseConfigText('route = 10.0.0.0/8\n'));

    expect(text).toBe(`${MANAGED_HEADER}\nroute = 10.0.0.0/8\n`);
  });

  it('keeps comments and an unknown key through a model update, in place', () => {
    const updated = applyChanges(parseConfigText(HAND_WRITTEN), new Map([['route', ['10.50.0.0/16', '10.60.0.0/16']], ['dns', []], ['split-dns', ['corp.example']]]));

    expect(renderConfig(updated)).toBe(
      [
        MANAGED_HEADER,
        '# alice: set up by hand, ticket 4711',
        'route = 10.50.0.0/16',
        'route = 10.60.0.0/16',
        'x-site-note = keep me',
        '',
        '; old style comment',
        'max-same-clients = 2',
        'split-dns = corp.example',
        '',
      ].join('\n'),
    );
  });

  it('writes tunnel_all_dns in both spellings, and reads either back as one option', () => {
    const text = renderConfig(applyChanges(parseConfigText(''), new Map([['tunnel_all_dns', ['true']]])));

    expect(text).toContain('tunnel_all_dns = true\ntunnel-all-dns = true\n');
    expect([...parseConfigText(text).options]).toEqual([['tunnel_all_dns', ['true']]]);
    expect(renderConfig(parseConfigText(text))).toBe(text);
  });

  it('is stable: render(parse(render(d))) equals render(d)', () => {
    const once = renderConfig(parseConfigText(HAND_WRITTEN));

    expect(renderConfig(parseConfigText(once))).toBe(once);
  });
});

describe(optionsFromJson.name, () => {
  it('reads strings, numbers, booleans and lists into canonical options', () => {
    const options = optionsFromJson({ route: ['10.0.0.0/8', '10.0.0.1/8'], 'max-same-clients': 2, 'restrict-user-to-routes': true, 'tunnel-all-dns': 'yes' });

    expect([...options]).toEqual([
      ['route', ['10.0.0.0/8']],
      ['max-same-clients', ['2']],
      ['restrict-user-to-routes', ['true']],
      ['tunnel_all_dns', ['true']],
    ]);
  });

  it.each([
    ['an array', [], /expected a JSON object/],
    ['an unknown key', { 'cron-job': 'x' }, /"cron-job" \(8 chars\) is not an ocserv/],
    ['two values for a single-valued key', { mtu: [1400, 1300] }, /mtu takes one value/],
    ['an object value', { mtu: { x: 1 } }, /config_content\.mtu\[0\]|config_content\.mtu: /],
    ['a newline in a value', { route: ['10.0.0.0/8\nroute = 0.0.0.0/0'] }, /config_content\.route\[0\]/],
  ])('refuses %s', (_label, json, message) => {
    expect(agentErrorFrom(() => optionsFromJson(json)).message).toMatch(message);
  });
});

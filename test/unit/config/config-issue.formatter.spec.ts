import { z } from 'zod';
import { agentConfigSchema } from '../../../src/config/agent-config.schema';
import { formatConfigIssues, KEY_MATERIAL_NOT_SHOWN, showName, showValue } from '../../../src/config/config-issue.formatter';
import { DUMMY_PRIVATE_KEY_PEM } from '../builders/config-workspace';

/** The lines an operator would read for `input` checked against `schema`. */
function linesFor(input: unknown, schema: z.ZodType = agentConfigSchema): string[] {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) {
    throw new Error('expected the input to be invalid');
  }
  return formatConfigIssues(result.error.issues, schema);
}

describe(formatConfigIssues.name, () => {
  it('writes one line per unknown key, each with the keys known there', () => {
    expect(linesFor({ log: { level: 'info', colour: true, colours: 1 } })).toEqual([
      'log.colour: unknown key (known keys here: level, format, max_streams_per_source)',
      'log.colours: unknown key (known keys here: level, format, max_streams_per_source)',
    ]);
  });

  it('looks through defaults to find the known keys of a deeply nested section', () => {
    expect(linesFor({ authorization: { static: { allow: true } } })).toEqual([
      'authorization.static.allow: unknown key (known keys here: allowed, deny_reason, routes, dns_servers)',
    ]);
  });

  it('reports a missing required value as missing', () => {
    expect(linesFor({}, z.strictObject({ name: z.string() }))).toEqual(['name: missing, expected string']);
  });

  it('shows a mapping given where a scalar is expected as "a mapping"', () => {
    expect(linesFor({ log: { level: { value: 'info' } } })).toEqual([
      'log.level: got a mapping, expected one of "fatal", "error", "warn", "info", "debug", "trace"',
    ]);
  });

  it('shows null as null', () => {
    expect(linesFor({ session: null })).toEqual(['session: got null, expected object']);
  });

  it('uses the schema message for a refined value, with the list index in the key', () => {
    expect(linesFor({ authorization: { static: { routes: ['10.0.0.0/8', '10.0.0.0/33'] } } })).toEqual([
      'authorization.static.routes.1: got "10.0.0.0/33", expected an IP network like 10.0.0.0/8 or 2001:db8::/32',
    ]);
  });

  it('says what a map key must be when a key is refused', () => {
    expect(linesFor({ grpc: { access: { identities: { '': 'admin' } } } })).toEqual([
      'grpc.access.identities: got key "", expected a certificate CN or SAN value',
    ]);
  });

  it('says which typed identity names exist when a certificate-style prefix is used', () => {
    expect(linesFor({ grpc: { access: { identities: { 'URI:spiffe://example.org/portal': 'operator' } } } })).toEqual([
      'grpc.access.identities: got key "URI:spiffe://example.org/portal", expected a certificate name, or one typed as cn:NAME, dns:NAME, ip:ADDRESS or uri:URI (lower case; email and other SAN types grant no role)',
    ]);
  });

  it('shows the top level as "(top level)"', () => {
    expect(linesFor('text', z.strictObject({}))).toEqual(['(top level): got "text", expected object']);
  });
});

describe(showValue.name, () => {
  it.each([
    [null, 'null'],
    [['a'], 'a list'],
    [{ a: 1 }, 'a mapping'],
    ['1d', '"1d"'],
    [42, '42'],
    [true, 'true'],
    [undefined, 'undefined'],
  ])('shows %p as %s', (value, shown) => {
    expect(showValue(value)).toBe(shown);
  });

  it('cuts a long value to 64 characters, an ellipsis and its length', () => {
    expect(showValue('x'.repeat(500))).toBe(`"${'x'.repeat(64)}…" (500 chars)`);
  });

  it('cuts at a caller-chosen length', () => {
    expect(showValue('/'.repeat(300), 256)).toBe(`"${'/'.repeat(256)}…" (300 chars)`);
  });

  it('counts and cuts characters, not UTF-16 halves', () => {
    expect(showValue('😀'.repeat(65))).toBe(`"${'😀'.repeat(64)}…" (65 chars)`);
  });

  it.each([
    ['a PEM private key', DUMMY_PRIVATE_KEY_PEM],
    ['a PEM header alone', 'x -----BEGIN EC PRIVATE KEY----- y'],
    ['a base64 run', 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg'],
    ['a base64 run inside other text', 'key=MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg;'],
  ])('does not show %s', (_name, value) => {
    expect(showValue(value)).toBe(KEY_MATERIAL_NOT_SHOWN);
  });

  it.each([
    '/etc/ocserv-agent/tls/server.key',
    '/var/lib/ocserv-agent/certs/0123456789abcdef0123456789abcdef01234567.pem',
    'portal.example.com',
  ])('shows a path or name that is not key material: %s', (value) => {
    expect(showValue(value, 256)).toBe(JSON.stringify(value));
  });

  it('escapes a newline so one problem stays one line', () => {
    expect(showValue('a\nb')).toBe('"a\\nb"');
  });
});

describe(showName.name, () => {
  it('shows a key bare', () => {
    expect(showName('lisen')).toBe('lisen');
  });

  it('cuts a long key with its length', () => {
    expect(showName('k'.repeat(100))).toBe(`${'k'.repeat(64)}… (100 chars)`);
  });

  it('escapes a newline in a key', () => {
    expect(showName('a\nb')).toBe('a\\nb');
  });

  it('does not show a key that looks like key material', () => {
    expect(showName('MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg')).toBe(KEY_MATERIAL_NOT_SHOWN);
  });
});

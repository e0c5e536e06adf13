import { REDACTED, redactSecrets, redactString } from '../../../src/logging/secret-redaction';

const PRIVATE_KEY_PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETKEYBODY',
  '-----END PRIVATE KEY-----',
].join('\n');
const CERTIFICATE_PEM = ['-----BEGIN CERTIFICATE-----', 'MIIBszCCAVmgAwIBAgIUCERTBODY', '-----END CERTIFICATE-----'].join('\n');
const SECRET = 'hunter2';

/** An object `levels` deep whose innermost mapping carries a password. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { password: SECRET };
  for (let i = 0; i < levels; i += 1) {
    value = { child: value };
  }
  return value;
}

describe('secret-redaction', () => {
  describe(redactSecrets.name, () => {
    it.each([
      'password',
      'Password',
      'pass',
      'passwd',
      'secret',
      'client_secret',
      'token',
      'access_token',
      'refresh_token',
      'api_key',
      'apiKey',
      'authorization',
      'Authorization',
      'cookie',
      'set-cookie',
      'private_key',
      'key_pem',
      'cert_pem',
      'cert_chain',
      'certificate',
      'credential',
      'credentials',
    ])('redacts the value of a %j key', (key) => {
      expect(redactSecrets({ [key]: SECRET })).toEqual({ [key]: REDACTED });
    });

    it('redacts a secret key whatever its value type', () => {
      expect(redactSecrets({ credentials: { user: 'alice', password: SECRET } })).toEqual({ credentials: REDACTED });
    });

    it('keeps keys that only contain a secret word', () => {
      expect(redactSecrets({ token_expires_in: 3600, password_changed: true, cert_file: '/etc/x.crt' })).toEqual({
        token_expires_in: 3600,
        password_changed: true,
        cert_file: '/etc/x.crt',
      });
    });

    it('redacts secret keys inside nested objects and arrays', () => {
      const redacted = redactSecrets({ request: { headers: { authorization: `Bearer ${SECRET}` } }, users: [{ name: 'a', token: SECRET }] });

      expect(redacted).toEqual({ request: { headers: { authorization: REDACTED } }, users: [{ name: 'a', token: REDACTED }] });
    });

    it('cuts PEM blocks out of string values under any key', () => {
      expect(redactSecrets({ note: `loaded ${PRIVATE_KEY_PEM} ok` })).toEqual({ note: `loaded ${REDACTED} PEM ok` });
    });

    it('does not modify its input', () => {
      const input = { user: 'alice', password: SECRET, nested: { token: SECRET, list: [PRIVATE_KEY_PEM] } };
      const before = structuredClone(input);

      redactSecrets(input);

      expect(input).toEqual(before);
    });

    it('returns a copy, not the input object', () => {
      const input = { user: 'alice' };

      expect(redactSecrets(input)).not.toBe(input);
    });

    it('summarises a Buffer by its length instead of logging its bytes', () => {
      expect(redactSecrets({ body: Buffer.from(SECRET) })).toEqual({ body: '[7 bytes]' });
    });

    it('turns an Error into its type, message and stack with PEM blocks cut out', () => {
      const error = new TypeError(`bad key ${PRIVATE_KEY_PEM}`);

      const redacted = redactSecrets({ err: error }) as { err: { type: string; message: string; stack: string } };

      expect(redacted.err.type).toBe('TypeError');
      expect(redacted.err.message).toBe(`bad key ${REDACTED} PEM`);
      expect(redacted.err.stack).not.toContain('SECRETKEYBODY');
      expect(redacted.err.stack).toContain('TypeError: bad key');
    });

    it('passes numbers, booleans, null and undefined through', () => {
      expect(redactSecrets({ n: 1, b: false, z: null, u: undefined })).toEqual({ n: 1, b: false, z: null, u: undefined });
    });

    it('keeps the structure of an ordinary nested log object', () => {
      expect(redactSecrets(nested(6))).toEqual(
        { child: { child: { child: { child: { child: { child: { password: REDACTED } } } } } } },
      );
    });

    it('redacts a secret key nested deeper than the depth bound', () => {
      const redacted = redactSecrets(nested(20));

      expect(JSON.stringify(redacted)).not.toContain(SECRET);
    });

    it('cuts a PEM block out of a string nested deeper than the depth bound', () => {
      let value: unknown = [PRIVATE_KEY_PEM];
      for (let i = 0; i < 20; i += 1) value = { child: value };

      expect(JSON.stringify(redactSecrets(value))).not.toContain('SECRETKEYBODY');
    });

    it('stops at the depth bound on a 1000-deep object instead of overflowing the stack', () => {
      const redacted = redactSecrets(nested(1000));

      expect(JSON.stringify(redacted).split('"child"').length - 1).toBeLessThan(20);
    });

    it('terminates on a circular object', () => {
      const circular: Record<string, unknown> = { name: 'loop' };
      circular.self = circular;

      expect(() => JSON.stringify(redactSecrets(circular))).not.toThrow();
    });
  });

  describe(redactString.name, () => {
    it('leaves a string without PEM untouched', () => {
      expect(redactString('session abc connected')).toBe('session abc connected');
    });

    it('cuts a private key block, keeping the text around it', () => {
      expect(redactString(`key=${PRIVATE_KEY_PEM}\nnext line`)).toBe(`key=${REDACTED} PEM\nnext line`);
    });

    it('cuts a certificate body', () => {
      expect(redactString(CERTIFICATE_PEM)).toBe(`${REDACTED} PEM`);
    });

    it('cuts every block of a chain', () => {
      expect(redactString(`${CERTIFICATE_PEM}\n${PRIVATE_KEY_PEM}`)).toBe(`${REDACTED} PEM\n${REDACTED} PEM`);
    });

    it('cuts an RSA or encrypted private key block', () => {
      const rsa = '-----BEGIN RSA PRIVATE KEY-----\nRSABODY\n-----END RSA PRIVATE KEY-----';
      const encrypted = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nENCBODY\n-----END ENCRYPTED PRIVATE KEY-----';

      expect(redactString(`${rsa} ${encrypted}`)).toBe(`${REDACTED} PEM ${REDACTED} PEM`);
    });

    it('cuts everything after an unterminated BEGIN line', () => {
      expect(redactString('prefix -----BEGIN PRIVATE KEY-----\nSECRETKEYBODY truncated by the log line')).toBe(
        `prefix ${REDACTED} PEM`,
      );
    });
  });
});

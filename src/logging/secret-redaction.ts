/*
 * Log lines must never carry secrets. Keys that name a secret are replaced
 * wherever they appear in a logged object, and PEM blocks (private keys,
 * certificate bodies) are cut out of any string value, whatever its key.
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY_PATTERN =
  /^(pass(word|phrase)?|passwd|secret|client_?secret|token|access_?token|refresh_?token|api_?key|x-api-key|authorization|cookie|set-cookie|private_?key|key_?pem|cert_?pem|cert_?chain|certificate|credentials?)$/i;
const PEM_BLOCK_PATTERN = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
const MAX_DEPTH = 8;
/** Stands in for anything nested deeper than MAX_DEPTH: it was not inspected, so it must not be logged as is. */
const TOO_DEEP = '[nested too deep]';

export function redactString(value: string): string {
  return value.includes('-----BEGIN ') ? value.replace(PEM_BLOCK_PATTERN, `${REDACTED} PEM`) : value;
}

/** A redacted copy of `value`; the input is not modified. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return redactString(value);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  if (depth >= MAX_DEPTH) {
    return TOO_DEEP;
  }
  if (Buffer.isBuffer(value)) {
    return `[${value.length} bytes]`;
  }
  if (Array.isArray(value)) {
    return value.map((item) => redactSecrets(item, depth + 1));
  }
  if (value instanceof Error) {
    return { type: value.name, message: redactString(value.message), stack: value.stack && redactString(value.stack) };
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = SECRET_KEY_PATTERN.test(key) ? REDACTED : redactSecrets(item, depth + 1);
  }
  return copy;
}

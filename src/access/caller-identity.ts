import type { PeerCertificate } from 'node:tls';

/** Who is calling, as proven by the client certificate the TLS handshake verified. */
export interface CallerIdentity {
  /** Subject common name(s). */
  readonly commonNames: readonly string[];
  /** subjectAltName values without their type prefix (DNS:, URI:, IP Address:, email:). */
  readonly subjectAltNames: readonly string[];
  /** Short form for log lines: the first CN, else the first SAN, else "anonymous". */
  readonly display: string;
}

export const ANONYMOUS_CALLER: CallerIdentity = { commonNames: [], subjectAltNames: [], display: 'anonymous' };

export function identityFromCertificate(certificate: PeerCertificate | undefined): CallerIdentity {
  if (certificate === undefined || certificate.subject === undefined) {
    return ANONYMOUS_CALLER;
  }
  const cn: unknown = certificate.subject.CN;
  const commonNames = (Array.isArray(cn) ? cn : [cn]).filter((value): value is string => typeof value === 'string');
  const subjectAltNames = parseSubjectAltName(certificate.subjectaltname);
  return {
    commonNames,
    subjectAltNames,
    display: commonNames[0] ?? subjectAltNames[0] ?? 'anonymous',
  };
}

/**
 * Node renders SANs as `DNS:a, URI:spiffe://x, IP Address:10.0.0.1`; values that
 * contain a comma or quote come JSON-quoted (Node >= 17.3, CVE-2021-44532).
 */
export function parseSubjectAltName(text: string | undefined): string[] {
  if (text === undefined || text === '') {
    return [];
  }
  const values: string[] = [];
  const entryPattern = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (const match of text.matchAll(entryPattern)) {
    const raw = match[2] ?? '';
    const value = raw.startsWith('"') ? safeJsonString(raw) : raw.trim();
    if (value !== '') {
      values.push(value);
    }
  }
  return values;
}

function safeJsonString(quoted: string): string {
  try {
    const value: unknown = JSON.parse(quoted);
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

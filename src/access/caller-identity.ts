import type { PeerCertificate } from 'node:tls';

/** A subjectAltName entry by type; `other` covers otherName, DirName, Registered ID and anything newer. */
export type AltNameType = 'dns' | 'ip' | 'uri' | 'email' | 'other';

export interface SubjectAltName {
  readonly type: AltNameType;
  readonly value: string;
}

/** Who is calling, as proven by the client certificate the TLS handshake verified. */
export interface CallerIdentity {
  /** Subject common name(s); a subject may carry several. */
  readonly commonNames: readonly string[];
  /** subjectAltName entries, each with its type (access-policy.ts grants by type). */
  readonly subjectAltNames: readonly SubjectAltName[];
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
    display: commonNames[0] ?? subjectAltNames[0]?.value ?? 'anonymous',
  };
}

/** The type names Node (OpenSSL's X509V3_EXT_print) writes before each entry. */
const ALT_NAME_TYPES: Readonly<Record<string, AltNameType>> = {
  DNS: 'dns',
  'IP Address': 'ip',
  URI: 'uri',
  email: 'email',
};

/**
 * Node renders SANs as `DNS:a, URI:spiffe://x, IP Address:10.0.0.1`; values that
 * contain a comma or quote come JSON-quoted (Node >= 17.3, CVE-2021-44532).
 */
export function parseSubjectAltName(text: string | undefined): SubjectAltName[] {
  if (text === undefined || text === '') {
    return [];
  }
  const names: SubjectAltName[] = [];
  const entryPattern = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (const match of text.matchAll(entryPattern)) {
    const raw = match[2] ?? '';
    const value = raw.startsWith('"') ? safeJsonString(raw) : raw.trim();
    if (value !== '') {
      names.push({ type: ALT_NAME_TYPES[(match[1] ?? '').trim()] ?? 'other', value });
    }
  }
  return names;
}

function safeJsonString(quoted: string): string {
  try {
    const value: unknown = JSON.parse(quoted);
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

import { recordHeapBytes, stringHeapBytes } from '../memory/heap-size';
import type { PolicyVerdict } from '../portal/policy-checker';

/*
 * A cached decision in estimated heap bytes (memory/heap-size.ts), for
 * authorization.cache.max_bytes. Measured with --expose-gc on Node 20: 20,000 entries
 * with one route and one DNS server cost ~400 bytes each (estimated ~550); 1,000 of the
 * largest answer the portal may give (1,024 routes, 64 metadata entries of 1,024 + 1,024
 * characters) ~190 KB each (estimated ~198 KB). The estimate errs high, never low.
 */

/** Map slot, entry and verdict objects, their arrays, beyond the strings. */
export const DECISION_ENTRY_BYTES = 384;
/** One array element: its pointer and the string's alignment. */
const ARRAY_SLOT_BYTES = 16;
/** One metadata entry's slot in the verdict's map, beyond its two strings. */
const METADATA_ENTRY_BYTES = 160;

export function decisionHeapBytes(key: string, verdict: PolicyVerdict): number {
  let bytes = DECISION_ENTRY_BYTES + stringHeapBytes(key) + stringHeapBytes(verdict.denyReason);
  for (const text of [...verdict.routes, ...verdict.dnsServers]) bytes += ARRAY_SLOT_BYTES + stringHeapBytes(text);
  return bytes + recordHeapBytes(verdict.metadata, METADATA_ENTRY_BYTES);
}

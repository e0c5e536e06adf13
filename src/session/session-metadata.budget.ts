import { STRING_HEADER_BYTES, detachedCopy, recordHeapBytes, stringHeapBytes } from '../memory/heap-size';

/*
 * Session metadata in heap bytes (memory/heap-size.ts), for session.max_metadata_bytes and
 * session.max_total_metadata_bytes. Measured with --expose-gc on Node 20: a session holding
 * 32 entries of 64 + 2,048 ASCII characters costs ~71 KB more than one without, ~115 bytes
 * per entry beyond its characters, of which 32 are the two string headers.
 */

/** A metadata entry's own slot in the frozen object, beyond its two strings. */
export const METADATA_ENTRY_BYTES = 96;

export function metadataHeapBytes(metadata: Readonly<Record<string, string>>): number {
  return recordHeapBytes(metadata, METADATA_ENTRY_BYTES);
}

/**
 * `metadata` cut to at most `roomBytes`: entries in order while they fit whole, then the
 * first that does not with its value cut to what is left, and nothing after. For values the
 * client chose (user agent, hostname) and ocserv reported: informational, never a reason to
 * refuse a login or lose a session.
 */
export function fitMetadata(metadata: Readonly<Record<string, string>>, roomBytes: number): Record<string, string> {
  const fitted: Record<string, string> = {};
  let used = 0;
  for (const [key, value] of Object.entries(metadata)) {
    const entryBytes = METADATA_ENTRY_BYTES + stringHeapBytes(key) + stringHeapBytes(value);
    if (used + entryBytes <= roomBytes) {
      fitted[key] = value;
      used += entryBytes;
      continue;
    }
    const valueRoom = roomBytes - used - METADATA_ENTRY_BYTES - stringHeapBytes(key) - STRING_HEADER_BYTES;
    const bytesPerChar = stringHeapBytes(value) - STRING_HEADER_BYTES > value.length ? 2 : 1;
    const chars = Math.floor(valueRoom / bytesPerChar);
    if (chars > 0) fitted[key] = cutWithoutSplittingPair(value, chars);
    break;
  }
  return fitted;
}

/** A lone high surrogate at the end would encode as U+FFFD; a detached copy, so the uncut value can go. */
function cutWithoutSplittingPair(value: string, chars: number): string {
  const cut = value.slice(0, chars);
  const last = cut.charCodeAt(cut.length - 1);
  return detachedCopy(last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut);
}

import { readFileSync } from 'node:fs';

/*
 * Just enough of SQLite's WAL layout (sqlite.org/walformat.html) to cut a WAL where a torn
 * write would: a 32-byte header, then frames of a 24-byte header plus one page.
 */
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;
/** In the -shm: mxFrame in the first copy of the wal-index header, nBackfill right after both copies. */
const SHM_MX_FRAME_OFFSET = 16;
const SHM_N_BACKFILL_OFFSET = 96;

export interface WalState {
  readonly pageSize: number;
  /** Frames holding committed transactions. */
  readonly mxFrame: number;
  /** Frames already copied into the database file: a torn write can only be after these. */
  readonly nBackfill: number;
}

/** Read after the writer died, from the -wal header and the -shm it left. */
export function readWalState(dbPath: string): WalState {
  const pageSize = readFileSync(`${dbPath}-wal`).readUInt32BE(8);
  const shm = readFileSync(`${dbPath}-shm`);
  return { pageSize, mxFrame: shm.readUInt32LE(SHM_MX_FRAME_OFFSET), nBackfill: shm.readUInt32LE(SHM_N_BACKFILL_OFFSET) };
}

/** Where frame `frame` (1-based) starts in the -wal. */
export function walFrameOffset(state: WalState, frame: number): number {
  return WAL_HEADER_BYTES + (frame - 1) * (WAL_FRAME_HEADER_BYTES + state.pageSize);
}

import { readFile } from 'node:fs/promises';
import { findLocalId } from '../config/local-account-id';
import { AgentError } from '../errors/agent-error';

const NUMERIC_ID = /^\d+$/;

/**
 * user_config.owner / group -> uid / gid, once at boot: a number as is, a name from the
 * local database only (ocserv's config files are a local matter), empty: the agent's own.
 */
export async function resolveLocalId(key: string, value: string, database: '/etc/passwd' | '/etc/group' | string): Promise<number | undefined> {
  if (value === '') return undefined;
  if (NUMERIC_ID.test(value)) return Number(value);
  let text: string;
  try {
    text = await readFile(database, 'utf8');
  } catch (error) {
    throw AgentError.failedPrecondition(`${key}: cannot read ${database} to look up "${value}": ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const id = findLocalId(text, value);
  if (id === undefined) throw AgentError.failedPrecondition(`${key}: no entry named "${value}" in ${database}; create it or use a number`);
  return id;
}

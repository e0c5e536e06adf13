import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLocalId } from '../../../src/config/local-account-id';
import { resolveSocketGroup } from '../../../src/ipc/socket-file/socket-group';

const GROUP_FILE = ['root:x:0:', 'ocserv:x:998:', 'vpnhook:x:1001:alice,bob', 'broken-line', 'nogid:x::', ''].join('\n');

describe('socket-group', () => {
  describe(findLocalId.name, () => {
    it('finds a group by exact name', () => {
      expect(findLocalId(GROUP_FILE, 'vpnhook')).toBe(1001);
      expect(findLocalId(GROUP_FILE, 'root')).toBe(0);
    });

    it('finds nothing for an unknown name, a prefix or a line without a gid', () => {
      expect(findLocalId(GROUP_FILE, 'vpn')).toBeUndefined();
      expect(findLocalId(GROUP_FILE, 'broken-line')).toBeUndefined();
      expect(findLocalId(GROUP_FILE, 'nogid')).toBeUndefined();
    });
  });

  describe(resolveSocketGroup.name, () => {
    let dir: string;
    let groupFile: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-group-'));
      groupFile = join(dir, 'group');
      writeFileSync(groupFile, GROUP_FILE);
    });

    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('keeps the agent group when empty', async () => {
      await expect(resolveSocketGroup('', groupFile)).resolves.toBeUndefined();
    });

    it('takes a numeric gid as is, without reading the group file', async () => {
      await expect(resolveSocketGroup('4242', join(dir, 'missing'))).resolves.toBe(4242);
    });

    it('looks a name up in the group file', async () => {
      await expect(resolveSocketGroup('ocserv', groupFile)).resolves.toBe(998);
    });

    it('fails startup clearly for an unknown group', async () => {
      await expect(resolveSocketGroup('nope', groupFile)).rejects.toThrow(
        `ipc.socket_group: no group named "nope" in ${groupFile}; create it or use a numeric gid`,
      );
    });

    it('fails startup clearly when the group file cannot be read', async () => {
      await expect(resolveSocketGroup('ocserv', join(dir, 'missing'))).rejects.toThrow(/^ipc\.socket_group: cannot read .*missing to look up "ocserv"/);
    });
  });
});

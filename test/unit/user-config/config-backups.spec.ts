import {
  backupFileName,
  backupsBeyondRetention,
  backupsOf,
  formatBackupStamp,
  nextBackupSeq,
  parseBackupFileName,
} from '../../../src/user-config/config-backups';

describe('config backups', () => {
  describe(formatBackupStamp.name, () => {
    it('formats UTC with milliseconds and no colons', () => {
      expect(formatBackupStamp(Date.UTC(2025, 0, 2, 3, 4, 5, 6))).toBe('20250102T030405.006Z');
    });
  });

  describe(parseBackupFileName.name, () => {
    it('reads back what backupFileName wrote', () => {
      expect(parseBackupFileName('alice', backupFileName('alice', '20250102T030405.006Z', 3))).toEqual({
        fileName: 'alice.20250102T030405.006Z.3',
        stamp: '20250102T030405.006Z',
        seq: 3,
      });
    });

    it.each([
      ['another user whose name extends this one', 'alice.bob.20250102T030405.006Z.0'],
      ['a prefix of the name', 'alic.20250102T030405.006Z.0'],
      ['a stamp without milliseconds', 'alice.20250102T030405Z.0'],
      ['no sequence', 'alice.20250102T030405.006Z'],
      ['a temp file', '.alice.0123abcd.tmp'],
      ['the file itself', 'alice'],
    ])('ignores %s', (_, fileName) => {
      expect(parseBackupFileName('alice', fileName)).toBeUndefined();
    });
  });

  describe(backupsOf.name, () => {
    it('orders by stamp, then by sequence as a number, not as text', () => {
      const names = [
        'alice.20250102T030405.006Z.10',
        'alice.20250102T030405.006Z.9',
        'alice.20241231T235959.999Z.0',
        'bob.20200101T000000.000Z.0',
      ];
      expect(backupsOf('alice', names).map((backup) => backup.fileName)).toEqual([
        'alice.20241231T235959.999Z.0',
        'alice.20250102T030405.006Z.9',
        'alice.20250102T030405.006Z.10',
      ]);
    });
  });

  describe(nextBackupSeq.name, () => {
    it('starts at 0 for a new stamp and goes one past the highest for a stamp on disk', () => {
      const existing = backupsOf('alice', ['alice.20250102T030405.006Z.0', 'alice.20250102T030405.006Z.4', 'alice.20250102T030405.007Z.9']);
      expect(nextBackupSeq(existing, '20250102T030405.006Z')).toBe(5);
      expect(nextBackupSeq(existing, '20250102T030405.008Z')).toBe(0);
    });
  });

  describe(backupsBeyondRetention.name, () => {
    it('names the oldest beyond the retention count', () => {
      const backups = backupsOf('alice', ['alice.20250101T000000.000Z.0', 'alice.20250101T000000.000Z.1', 'alice.20250101T000000.001Z.0']);
      expect(backupsBeyondRetention(backups, 2).map((backup) => backup.fileName)).toEqual(['alice.20250101T000000.000Z.0']);
      expect(backupsBeyondRetention(backups, 10)).toEqual([]);
    });
  });
});

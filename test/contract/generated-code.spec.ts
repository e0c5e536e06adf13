import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../..');
const PROTO_GEN = path.join(REPO_ROOT, 'scripts', 'proto-gen.js');
const COMMITTED_GENERATED = path.join(REPO_ROOT, 'src', 'generated');
// buf lint + buf generate take about a second each run; leave room for a cold cache on CI.
const PROTO_GEN_TIMEOUT_MS = 60_000;

function runProtoGen(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [PROTO_GEN, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
}

describe('scripts/proto-gen.js --check', () => {
  let scratch: string;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'generated-copy-'));
    fs.cpSync(COMMITTED_GENERATED, scratch, { recursive: true });
  });

  afterEach(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it(
    'passes on the committed src/generated',
    () => {
      const sut = runProtoGen('--check');
      expect(sut.stderr).toBe('');
      expect(sut.stdout).toMatch(/^proto-gen: OK, src\/generated matches/);
      expect(sut.status).toBe(0);
    },
    PROTO_GEN_TIMEOUT_MS,
  );

  it(
    'fails naming a file whose content differs',
    () => {
      fs.appendFileSync(path.join(scratch, 'agent/v1/agent.ts'), '// hand edit\n');
      const sut = runProtoGen('--check', '--against', scratch);
      expect(sut.stderr).toContain('differs: agent/v1/agent.ts');
      expect(sut.status).toBe(1);
    },
    PROTO_GEN_TIMEOUT_MS,
  );

  it(
    'fails naming a generated file that is missing',
    () => {
      fs.rmSync(path.join(scratch, 'vpn/v1/config.ts'));
      const sut = runProtoGen('--check', '--against', scratch);
      expect(sut.stderr).toContain('missing: vpn/v1/config.ts');
      expect(sut.status).toBe(1);
    },
    PROTO_GEN_TIMEOUT_MS,
  );

  it(
    'fails naming a file that generation does not produce',
    () => {
      fs.writeFileSync(path.join(scratch, 'vpn/v1/stale.ts'), 'export {};\n');
      const sut = runProtoGen('--check', '--against', scratch);
      expect(sut.stderr).toContain('extra:   vpn/v1/stale.ts');
      expect(sut.status).toBe(1);
    },
    PROTO_GEN_TIMEOUT_MS,
  );

  it('rejects --against without --check', () => {
    const sut = runProtoGen('--against', scratch);
    expect(sut.stderr).toContain('--against only makes sense with --check');
    expect(sut.status).toBe(2);
  });
});

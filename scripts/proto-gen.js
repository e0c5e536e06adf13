#!/usr/bin/env node
'use strict';
/**
 * Generated TypeScript for proto/ (buf + ts-proto, template buf.gen.yaml), always after `buf lint`.
 *
 *   node scripts/proto-gen.js                       regenerate src/generated
 *   node scripts/proto-gen.js --check               exit 1 when src/generated is not what generation produces
 *   node scripts/proto-gen.js --check --against DIR compare with DIR instead of src/generated (to test the check)
 *
 * Exit codes: 0 ok, 1 lint failure / drift / buf failure, 2 bad arguments.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const BUF = path.join(REPO_ROOT, 'node_modules', '.bin', 'buf');
// Must match `out` in buf.gen.yaml: `buf generate --output DIR` writes to DIR/<out>.
const GENERATED_RELATIVE = path.join('src', 'generated');
const USAGE = 'usage: node scripts/proto-gen.js [--check [--against DIR]]';

class UsageError extends Error {}

function parseArgs(argv) {
  const options = { check: false, against: path.join(REPO_ROOT, GENERATED_RELATIVE) };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') options.check = true;
    else if (argv[i] === '--against' && argv[i + 1] !== undefined) options.against = path.resolve(argv[++i]);
    else throw new UsageError(`unknown or incomplete argument ${JSON.stringify(argv[i])}`);
  }
  if (argv.includes('--against') && !options.check) throw new UsageError('--against only makes sense with --check');
  return options;
}

/** Runs buf from the repo root (buf.yaml, buf.gen.yaml and the local plugin path are relative to it). */
function buf(args) {
  const result = spawnSync(BUF, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.error) throw new Error(`cannot run ${BUF}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`buf ${args[0]} failed (exit ${result.status ?? result.signal})`);
}

/** Generates into a fresh temp dir and returns the directory holding the generated tree. */
function generateInto(tempDir) {
  buf(['generate', '--template', 'buf.gen.yaml', '--output', tempDir]);
  const generated = path.join(tempDir, GENERATED_RELATIVE);
  if (!fs.existsSync(generated)) {
    throw new Error(`buf wrote nothing to ${GENERATED_RELATIVE}; does buf.gen.yaml's out still say ${GENERATED_RELATIVE}?`);
  }
  return generated;
}

function listFiles(dir, prefix = '') {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    return entry.isDirectory() ? listFiles(dir, relative) : [relative];
  });
}

function firstDifferentLine(a, b) {
  const linesA = a.toString('utf8').split('\n');
  const linesB = b.toString('utf8').split('\n');
  const index = linesA.findIndex((line, i) => line !== linesB[i]);
  return (index === -1 ? linesA.length : index) + 1;
}

/** Differences of `actualDir` from the freshly generated `expectedDir`, one line each. */
function compareTrees(expectedDir, actualDir) {
  const expected = new Set(listFiles(expectedDir));
  const actual = new Set(listFiles(actualDir));
  const differences = [];
  for (const file of [...new Set([...expected, ...actual])].sort()) {
    if (!actual.has(file)) differences.push(`missing: ${file} (generation produces it)`);
    else if (!expected.has(file)) differences.push(`extra:   ${file} (generation does not produce it)`);
    else {
      const want = fs.readFileSync(path.join(expectedDir, file));
      const have = fs.readFileSync(path.join(actualDir, file));
      if (!want.equals(have)) differences.push(`differs: ${file} (first at line ${firstDifferentLine(want, have)})`);
    }
  }
  return differences;
}

function check(generated, against) {
  if (!fs.existsSync(against)) throw new Error(`${against} does not exist`);
  const differences = compareTrees(generated, against);
  const inRepo = against.startsWith(REPO_ROOT + path.sep);
  const label = inRepo ? path.relative(REPO_ROOT, against) : against;
  if (differences.length === 0) {
    console.log(`proto-gen: OK, ${label} matches what buf generates from proto/`);
    return 0;
  }
  console.error(`proto-gen: ${label} is out of date with proto/ (run npm run proto:gen):`);
  for (const difference of differences) console.error(`  ${difference}`);
  return 1;
}

function regenerate(generated) {
  const target = path.join(REPO_ROOT, GENERATED_RELATIVE);
  // Replace the whole tree so files of removed protos do not linger.
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(generated, target, { recursive: true });
  console.log(`proto-gen: regenerated ${GENERATED_RELATIVE} (${listFiles(target).length} files)`);
  return 0;
}

function main(argv) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`proto-gen: ${error.message}\n${USAGE}`);
    return 2;
  }
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-gen-'));
  try {
    buf(['lint']);
    const generated = generateInto(tempDir);
    return options.check ? check(generated, options.against) : regenerate(generated);
  } catch (error) {
    console.error(`proto-gen: ${error.message}`);
    return 1;
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));

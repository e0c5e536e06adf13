import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Versions with fixtures under test/fixtures/occtl (see its README for which are captured). */
export type OcctlFixtureVersion = '1.1.6' | '1.2.0' | '1.3.0';

/** The text of one occtl fixture, e.g. readOcctlFixture('1.1.6', 'show-users.json'). */
export function readOcctlFixture(version: OcctlFixtureVersion, name: string): string {
  return readFileSync(join(__dirname, '../../../fixtures/occtl', version, name), 'utf8');
}

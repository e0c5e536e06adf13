/*
 * The ocserv releases the lab can run (issue 13). 1.1.6 is this machine's own
 * package (Debian 12); the others come from a Debian rootfs built by
 * scripts/ocserv-rootfs.sh and run under chroot, because their packages need
 * a newer libc than this machine's.
 */

export type OcservVersion = '1.1.6' | '1.3.0' | '1.5.0';
export type RootfsSuite = 'trixie' | 'sid';

export interface OcservVersionSource {
  readonly version: OcservVersion;
  /** Debian suite whose rootfs holds it; undefined for the machine's own ocserv. */
  readonly suite: RootfsSuite | undefined;
  readonly distribution: string;
  /** occtl lists `terminate user/id/session` (disconnect and invalidate the cookie), as captured in its --help. */
  readonly hasTerminate: boolean;
  /**
   * ocserv logs to syslog even in the foreground unless given --log-stderr (1.3.0 and 1.5.0
   * have the flag; 1.1.6 neither has it nor needs it). Under chroot there is no /dev/log: without
   * the flag the lab's ocserv.log would hold nothing past "listening".
   */
  readonly logStderrFlag: boolean;
}

export const OCSERV_VERSIONS: Readonly<Record<OcservVersion, OcservVersionSource>> = {
  '1.1.6': { version: '1.1.6', suite: undefined, distribution: 'Debian 12 (this machine)', hasTerminate: false, logStderrFlag: false },
  '1.3.0': { version: '1.3.0', suite: 'trixie', distribution: 'Debian 13 trixie', hasTerminate: false, logStderrFlag: true },
  '1.5.0': { version: '1.5.0', suite: 'sid', distribution: 'Debian unstable sid', hasTerminate: true, logStderrFlag: true },
};

/** Which version a lab runs when the test does not say: $OCSERV_LAB_VERSION, else 1.1.6. */
export const OCSERV_LAB_VERSION_ENV = 'OCSERV_LAB_VERSION';

export function isOcservVersion(value: string): value is OcservVersion {
  return Object.hasOwn(OCSERV_VERSIONS, value);
}

export function defaultLabVersion(env: NodeJS.ProcessEnv = process.env): OcservVersion {
  const wanted = env[OCSERV_LAB_VERSION_ENV];
  if (wanted === undefined || wanted === '') return '1.1.6';
  if (!isOcservVersion(wanted)) {
    throw new Error(`${OCSERV_LAB_VERSION_ENV}=${wanted}: expected one of ${Object.keys(OCSERV_VERSIONS).join(', ')}`);
  }
  return wanted;
}

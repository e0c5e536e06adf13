/** Where ocserv's own log is read from (config `ocserv.log`), and how log streams are bounded (config `log`). */
export interface OcservLogConfig {
  /** `journald`: `journalctl -u <unit>`; `file`: the file at `file` (ocserv run with -f and stderr redirected, or syslog). */
  readonly source: 'journald' | 'file';
  readonly unit: string;
  readonly file: string | undefined;
  readonly journalctl_path: string;
  /** util-linux setpriv: gives each log reader a parent-death signal (ocserv.setpriv_path). */
  readonly setpriv_path: string;
  /** Concurrent StreamLogs calls allowed per source (log.max_streams_per_source). */
  readonly max_streams_per_source: number;
}

export const OCSERV_LOG_CONFIG = Symbol('OCSERV_LOG_CONFIG');

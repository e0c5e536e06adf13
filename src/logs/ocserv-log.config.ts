/** Where ocserv's own log is read from (config `ocserv.log`). */
export interface OcservLogConfig {
  /** `journald`: `journalctl -u <unit>`; `file`: the file at `file` (ocserv run with -f and stderr redirected, or syslog). */
  readonly source: 'journald' | 'file';
  readonly unit: string;
  readonly file: string | undefined;
  readonly journalctl_path: string;
}

export const OCSERV_LOG_CONFIG = Symbol('OCSERV_LOG_CONFIG');

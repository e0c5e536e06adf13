/** ExecuteCommand, checked for shape at the edge (agent-wire.mapper.ts); the command itself is checked by CommandExecutor. */
export interface CommandOrder {
  readonly requestId: string;
  /** The occtl command words and its argument, e.g. ["show", "user", "alice"]. */
  readonly words: readonly string[];
  /** undefined: ocserv.command_timeout_ms. */
  readonly timeoutMs: number | undefined;
}

export interface CommandOutcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Empty when the command succeeded. */
  readonly errorMessage: string;
}

export interface HealthReport {
  readonly healthy: boolean;
  readonly statusMessage: string;
  /** Check name -> "ok: ..." or "fail: ...". */
  readonly checks: Readonly<Record<string, string>>;
}

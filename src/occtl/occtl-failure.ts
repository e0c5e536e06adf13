import { AgentError } from '../errors/agent-error';
import type { OcctlRunResult } from './occtl-runner';

/*
 * occtl exits 1 both when ocserv is unreachable and when a command is refused
 * ("could not disconnect user"), so the two are told apart by what it prints:
 * every connection failure starts with this text (occtl.c, ocserv 1.1.6 - 1.3).
 */
const SOCKET_FAILURE_PATTERN = /error connecting to ocserv socket|connection refused|could not connect/i;

/** Error text occtl printed, trimmed to what fits in one log line or error message. */
export function occtlErrorText(result: Pick<OcctlRunResult, 'stdout' | 'stderr'>): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? '';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * The failure a run means for anyone asking ocserv something, or undefined when
 * occtl reached ocserv (its exit code then says how the command itself went).
 */
export function occtlUnreachable(result: OcctlRunResult, command: string, socketFile: string, timeoutMs: number): AgentError | undefined {
  if (result.timedOut) {
    return AgentError.unavailable(
      `ocserv did not answer "${command}" within ${timeoutMs} ms; it may be overloaded or hung (socket ${socketFile})`,
    );
  }
  if (result.outputTruncated) {
    return AgentError.unavailable(`occtl "${command}" printed more than ocserv.max_output_bytes; output discarded`);
  }
  if (result.exitCode !== 0 && SOCKET_FAILURE_PATTERN.test(result.stderr)) {
    return AgentError.unavailable(
      `ocserv is not answering on its control socket ${socketFile} (ocserv.socket_file): ${occtlErrorText(result)}. ` +
        'Is ocserv running, with use-occtl = true and occtl-socket-file pointing there?',
    );
  }
  return undefined;
}

/** The three scripts ocserv runs; the pattern of each IpcHookController handler. */
export const HOOK_OPS = ['connect', 'disconnect', 'host-update'] as const;
export type HookOp = (typeof HOOK_OPS)[number];

/** Which of the two wire framings a connection speaks (docs/hook.md). */
export type HookFraming = 'ndjson' | 'legacy';

/** ocserv's script variables as the hook forwarded them: names checked, values verbatim. */
export type HookEnv = Readonly<Record<string, string>>;

/** One request, whichever framing it arrived in; the payload every IPC handler receives. */
export interface HookRequest {
  readonly op: HookOp;
  /** The hook's whole budget (hook.conf timeout_ms); undefined when it did not say. */
  readonly budgetMs: number | undefined;
  readonly env: HookEnv;
}

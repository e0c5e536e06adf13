import { noteAuditDetail } from '../grpc/audit-detail';
import type { ConfigWriteOutcome } from './user-config.service';

/** What the caller reads in validation_result: the change, or for validate_only the file as it would be. */
export function validationResult(outcome: ConfigWriteOutcome): string {
  if (outcome.validateOnly) return `valid (nothing written): ${outcome.change}\n${outcome.rendered}`;
  return outcome.changed ? `written: ${outcome.change}` : 'unchanged: the file already says this';
}

/** The file and the change on the call's audit line (nothing for validate_only: nothing was written). */
export function noteWrite(call: unknown, outcome: ConfigWriteOutcome): void {
  if (!outcome.validateOnly) noteAuditDetail(call, { file: outcome.path, change: outcome.changed ? outcome.change : 'no change' });
}

import { clipText } from '../validation/clip-text';

/*
 * What a mutating call changed, known only once the domain has done it (the file
 * written, a short diff): the controller notes it on its gRPC call object and the
 * interceptor adds it to the call's one audit line. Keyed weakly by the call, so a
 * note never outlives its call.
 */
export interface AuditDetail {
  /** The file the call wrote, if any. */
  readonly file?: string;
  /** A short summary of the change, e.g. `route +10.0.0.0/8 -10.1.0.0/16`. */
  readonly change?: string;
}

/** Audit lines stay readable even for a change of a thousand routes. */
const AUDIT_DETAIL_MAX_LENGTH = 500;

const details = new WeakMap<object, AuditDetail>();

export function noteAuditDetail(call: unknown, detail: AuditDetail): void {
  if (typeof call !== 'object' || call === null) return;
  details.set(call, {
    ...(detail.file !== undefined ? { file: clipText(detail.file, AUDIT_DETAIL_MAX_LENGTH) } : {}),
    ...(detail.change !== undefined ? { change: clipText(detail.change, AUDIT_DETAIL_MAX_LENGTH) } : {}),
  });
}

export function auditDetailOf(call: unknown): AuditDetail | undefined {
  return typeof call === 'object' && call !== null ? details.get(call) : undefined;
}

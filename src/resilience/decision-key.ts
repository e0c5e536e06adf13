/**
 * What a cached decision is about: every CheckPolicy field the portal's answer may
 * depend on and that stays the same across a reconnect: user, group, client IP and
 * device. Not the session id and not the VPN IP: ocserv gives every reconnect a new
 * worker (session id) and may lease another address, so keying on them would send
 * every reconnect to the portal, which is what the cache exists to spare. A portal
 * whose answer depends on them answers with metadata `cache: no-store`.
 */
export interface DecisionSubject {
  readonly username: string;
  readonly groupname: string;
  readonly clientIp: string;
  /** CheckPolicy's device (the hook's DEVICE, NotifyConnect's device_id); empty when not known. */
  readonly device: string;
}

/** NUL never appears in validated names, addresses or device ids, so keys cannot collide. */
export function decisionKey(subject: DecisionSubject): string {
  return `${subject.username}\u0000${subject.groupname}\u0000${subject.clientIp}\u0000${subject.device}`;
}

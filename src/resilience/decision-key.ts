/** What a cached decision is about: the same user, in the same group, from the same address. */
export interface DecisionSubject {
  readonly username: string;
  readonly groupname: string;
  readonly clientIp: string;
}

/** NUL never appears in validated names or addresses, so keys cannot collide. */
export function decisionKey(subject: DecisionSubject): string {
  return `${subject.username}\u0000${subject.groupname}\u0000${subject.clientIp}`;
}

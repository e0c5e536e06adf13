/** Most users whose group is remembered; the oldest is forgotten first. */
const MAX_KNOWN_USERS = 100_000;

/**
 * The group ocserv last reported for each user (CheckPolicy, ReportConnect).
 * ValidateSession carries no group, so without this a user allowed through
 * their group would look unlisted and be invalidated.
 */
export class KnownGroups {
  private readonly byUser = new Map<string, string>();

  remember(username: string, groupname: string): void {
    this.byUser.delete(username);
    this.byUser.set(username, groupname);
    if (this.byUser.size > MAX_KNOWN_USERS) {
      const oldest = this.byUser.keys().next().value;
      if (oldest !== undefined) this.byUser.delete(oldest);
    }
  }

  groupOf(username: string): string {
    return this.byUser.get(username) ?? '';
  }
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RIG_USERS, startAuthorizationRig, type AuthorizationRig } from '../../support/authorization-rig';
import { eventually } from '../../support/ocserv-lab/lab-agent';
import { uniquePortalEvents } from '../../support/session-events-records';

/*
 * An idle client reported as IDLE_TIMEOUT, on its own ocserv (idle-timeout applies to every
 * session of an instance). ocserv 1.1.6 checks idleness in its worker's periodic check, every
 * 30 s (+-5, PERIODIC_CHECK_TIME), and counts the kernel's IPv6 link-local packets on the
 * vpnsN device as activity: IPv6 is turned off on that one device, and the end comes at the
 * first check after the timeout, 25-45 s after the connect.
 */

jest.setTimeout(120_000);

const IDLE_TIMEOUT_S = 10;

describe('an idle session reported as IDLE_TIMEOUT (real ocserv, openconnect, hook, portal simulator)', () => {
  let rig: AuthorizationRig;
  let outboxDir: string;

  beforeAll(async () => {
    rig = await startAuthorizationRig({ extraConfig: [`idle-timeout = ${IDLE_TIMEOUT_S}`, `mobile-idle-timeout = ${IDLE_TIMEOUT_S}`] });
    outboxDir = mkdtempSync(join(tmpdir(), 'events-idle-'));
    await rig.startAgent({ events: { enabled: true, outbox_path: join(outboxDir, 'events.db'), update_interval_seconds: 0 } });
  });

  afterAll(async () => {
    await rig?.stop();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  it('ends the session on ocserv and reports IDLE_TIMEOUT with ocserv\'s text', async () => {
    const client = await rig.lab.connect(RIG_USERS.ivan);
    const device = await eventually(() => deviceOf('ivan'), (name) => name !== '');
    writeFileSync(`/proc/sys/net/ipv6/conf/${device}/disable_ipv6`, '1');

    const end = await eventually(
      () => uniquePortalEvents(rig.portal.simulator).find((event) => event.username === 'ivan' && event.method === 'ReportDisconnect'),
      (found) => found !== undefined,
      60_000,
    );
    expect(end).toMatchObject({ reason: 'DISCONNECT_REASON_IDLE_TIMEOUT' });
    expect(end?.metadata).toMatchObject({ ocserv_reason: 'idle timeout', reason_source: 'ocserv' });
    expect(rig.lab.readLog()).toMatch(/idle timeout reached/);
    await client.stop();
  });

  function deviceOf(username: string): string {
    const { stdout } = rig.lab.occtl(['-j', 'show', 'users']);
    const entry = (JSON.parse(stdout || '[]') as { Username: string; Device: string }[]).find((user) => user.Username === username);
    return entry?.Device ?? '';
  }
});

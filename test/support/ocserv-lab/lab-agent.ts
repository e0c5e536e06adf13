import { join } from 'node:path';
import { startTestAgent, TestAgent } from '../test-agent';
import type { OcservLab } from './ocserv-lab';

type Overrides = Parameters<typeof startTestAgent>[0];

/** A test agent (in-process, mTLS, random ports) managing the lab's ocserv. */
export function startLabAgent(lab: OcservLab, overrides: Overrides = {}): Promise<TestAgent> {
  return startTestAgent({
    ...overrides,
    session: { reconcile_interval_seconds: 2, ...overrides.session },
    ocserv: {
      // The version's own occtl (a chroot wrapper for rootfs versions); it takes the socket's path on this machine.
      occtl_path: lab.agentOcctlPath,
      socket_file: lab.occtlSocket,
      sync_sessions: true,
      events: true,
      config_per_user_dir: lab.configPerUserDir,
      config_per_group_dir: lab.configPerGroupDir,
      log: { source: 'file', file: lab.logFile },
      ...overrides.ocserv,
    },
    // The lab's own ocserv.conf: GetActiveRoutes reads its routes (the server default).
    main_config: { path: join(lab.dir, 'ocserv.conf'), ...overrides.main_config },
  });
}

/** Polls `read` until `accept` holds or `timeoutMs` passes; returns the last value read. */
export async function eventually<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

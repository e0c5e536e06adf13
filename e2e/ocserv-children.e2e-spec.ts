import { eventually } from '../test/support/ocserv-lab/lab-agent';
import { OcservLab } from '../test/support/ocserv-lab/ocserv-lab';
import { childrenOf, listProcesses } from '../test/support/processes';
import { createTestPki } from '../test/support/test-pki';
import { AgentProcess } from './support/agent-process';
import { writeAgentConfig } from './support/config-file';

/*
 * The built agent as its own process, managing a lab ocserv: the `occtl show
 * events` child it keeps must never outlive it. An orphaned occtl spins at 100 %
 * CPU on its closed stdin, so this is checked for a clean stop and for SIGKILL.
 */
const ALICE = { username: 'alice', password: 'alice-pw' };

const alive = (pid: number) => listProcesses().some((info) => info.pid === pid);
const occtlChildOf = (pid: number) => childrenOf(pid).find((info) => info.comm === 'occtl');

describe('the agent process and its occtl event stream', () => {
  let lab: OcservLab;

  const startAgent = async (name: string): Promise<AgentProcess> => {
    const pki = createTestPki(lab.dir);
    const config = writeAgentConfig(pki, name, {
      ocserv: { socket_file: lab.occtlSocket, sync_sessions: true, events: true, config_per_user_dir: lab.configPerUserDir, config_per_group_dir: lab.configPerGroupDir },
    });
    const agent = new AgentProcess(['--config', config]);
    await agent.started();
    return agent;
  };

  beforeAll(async () => {
    lab = await OcservLab.start({ users: [ALICE] });
    await lab.connect(ALICE);
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('stops its occtl child on SIGTERM and exits 0', async () => {
    const agent = await startAgent('sigterm');
    try {
      const child = await eventually(() => occtlChildOf(agent.pid), (info) => info !== undefined);
      expect(child).toBeDefined();
      agent.signal('SIGTERM');
      await expect(agent.exited).resolves.toEqual({ code: 0, signal: null });
      expect(alive(child?.pid ?? 0)).toBe(false);
    } finally {
      await agent.stop();
    }
  });

  it('leaves no occtl behind when it is killed outright (SIGKILL)', async () => {
    const agent = await startAgent('sigkill');
    const child = await eventually(() => occtlChildOf(agent.pid), (info) => info !== undefined);
    expect(child).toBeDefined();
    agent.signal('SIGKILL');
    await agent.exited;
    const stillThere = await eventually(() => alive(child?.pid ?? 0), (isAlive) => !isAlive, 3000);
    expect(stillThere).toBe(false);
  });
});

import pino from 'pino';
import { pinoOptions } from '../../../src/logging/logging.module';
import { AgentLogRing } from '../../../src/logs/agent-log-ring';
import { AgentLogSource } from '../../../src/logs/agent-log.source';
import { LogCapture } from '../../support/log-capture';
import { collect } from '../../unit/logs/log-fakes';
import { eventually } from './log-stream.fixture';

/** The agent source fed by a real pino logger built with the agent's own options (logging.module.ts). */
describe(`${AgentLogSource.name} fed by pino`, () => {
  let ring: AgentLogRing;
  let destination: LogCapture;
  let logger: pino.Logger;
  let sut: AgentLogSource;

  beforeEach(() => {
    ring = new AgentLogRing(100);
    destination = new LogCapture();
    logger = pino(pinoOptions({ level: 'info', format: 'json', max_streams_per_source: 16 }, 'agent-7', ring) as pino.LoggerOptions, destination);
    sut = new AgentLogSource(ring);
  });

  it('delivers a line logged after subscribing within 1 s, with its fields', async () => {
    const result = collect(sut.lines({ source: 'agent', sinceMs: undefined, follow: true }));

    logger.child({ context: 'Test' }).info({ user: 'alice', attempt: 2 }, 'user connected');
    const line = await eventually(() => result.values.find((entry) => entry.message === 'user connected'), 1000, 'the live line');
    result.subscription.unsubscribe();

    expect(line).toMatchObject({ level: 'info', source: 'agent', fields: { context: 'Test', user: 'alice', attempt: '2' } });
    expect(Math.abs(line.timeMs - Date.now())).toBeLessThan(5000);
    expect(ring.listenerCount).toBe(0);
  });

  it('leaves the line for the destination unchanged', async () => {
    logger.info('plain');

    await destination.waitFor((line) => line.msg === 'plain');
    expect(JSON.parse(ring.snapshot()[0]?.raw ?? '')).toEqual(JSON.parse(destination.text));
  });

  it('keeps secrets out of the ring, as out of the destination', () => {
    logger.info({ password: 'hunter2' }, 'login');

    expect(ring.snapshot()[0]?.raw).not.toContain('hunter2');
  });

  it('holds only lines the configured level lets through', () => {
    logger.debug('too chatty');

    expect(ring.size).toBe(0);
  });
});

import { Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { AgentError } from '../errors/agent-error';
import { parseAgentLogLine } from './agent-log-line.parser';
import { AgentLogRing } from './agent-log-ring';
import { isWithinQuery, LogLine, LogQuery } from './log-line';
import { StreamDemand, UNLIMITED_DEMAND } from './stream-demand';

/**
 * The agent's own log from the in-memory ring: the backlog, then (with follow)
 * every line logged after it, each exactly once and in order.
 *
 * A stream is a cursor (the next seq to send) into the one shared ring, never a
 * copy of it: a reader that stops reading costs nothing but the cursor. One that
 * falls so far behind that the ring evicted its next line ends with
 * RESOURCE_EXHAUSTED saying how many lines it lost, rather than skipping them
 * silently or buffering them for it.
 */
@Injectable()
export class AgentLogSource {
  constructor(private readonly ring: AgentLogRing) {}

  lines(query: LogQuery, demand: StreamDemand = UNLIMITED_DEMAND): Observable<LogLine> {
    return new Observable<LogLine>((subscriber) => {
      let nextSeq = this.ring.oldestSeq;
      // Without follow the stream is the backlog as it stands now.
      const lastSeq = query.follow ? Number.POSITIVE_INFINITY : this.ring.newestSeq;
      // pump() can be re-entered: sending a line may log, and logging tells the listener.
      let pumping = false;
      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        try {
          while (!subscriber.closed && demand.isReady() && nextSeq <= Math.min(lastSeq, this.ring.newestSeq)) {
            const record = this.ring.at(nextSeq);
            if (record === undefined) {
              subscriber.error(fellBehind(this.ring.oldestSeq - nextSeq, this.ring.capacity));
              return;
            }
            nextSeq += 1;
            const line = parseAgentLogLine(record.raw);
            if (line !== undefined && isWithinQuery(line, query)) subscriber.next(line);
          }
          if (!subscriber.closed && nextSeq > lastSeq) subscriber.complete();
        } finally {
          pumping = false;
        }
      };
      const stopListening = query.follow ? this.ring.listen(pump) : undefined;
      const stopWaiting = demand.onReady(pump);
      pump();
      return () => {
        stopListening?.();
        stopWaiting();
      };
    });
  }
}

function fellBehind(lost: number, capacity: number): AgentError {
  return AgentError.resourceExhausted(
    `the reader fell behind the agent's log: ${lost} line(s) were overwritten before they could be sent ` +
      `(the ring keeps the last ${capacity}); read faster or open a new stream`,
  );
}

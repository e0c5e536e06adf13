import { Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { parseAgentLogLine } from './agent-log-line.parser';
import { AgentLogRecord, AgentLogRing } from './agent-log-ring';
import { isWithinQuery, LogLine, LogQuery } from './log-line';

/**
 * The agent's own log from the in-memory ring: the backlog, then (with follow)
 * every line logged after it, each exactly once and in order.
 */
@Injectable()
export class AgentLogSource {
  constructor(private readonly ring: AgentLogRing) {}

  lines(query: LogQuery): Observable<LogLine> {
    return new Observable<LogLine>((subscriber) => {
      // Everything goes through one queue, drained by whoever finds it idle. A line
      // logged while the backlog is being delivered (by the subscriber itself,
      // synchronously) is queued behind it instead of overtaking it, and `lastSeq`
      // drops a record that is both in the snapshot and heard live.
      const queue: AgentLogRecord[] = [];
      let next = 0;
      let draining = false;
      let lastSeq = 0;
      const drain = (): void => {
        if (draining) return;
        draining = true;
        try {
          while (next < queue.length && !subscriber.closed) {
            const record = queue[next] as AgentLogRecord;
            next += 1;
            if (record.seq <= lastSeq) continue;
            lastSeq = record.seq;
            const line = parseAgentLogLine(record.raw);
            if (line !== undefined && isWithinQuery(line, query)) subscriber.next(line);
          }
          queue.length = 0;
          next = 0;
        } finally {
          draining = false;
        }
      };
      // Listen before taking the snapshot: a line appended in between is then in one or both, never in neither.
      const stopListening = query.follow
        ? this.ring.listen((record) => {
            queue.push(record);
            drain();
          })
        : undefined;
      queue.push(...this.ring.snapshot());
      drain();
      if (!query.follow) subscriber.complete();
      return stopListening;
    });
  }
}

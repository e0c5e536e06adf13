import type { SessionEndIntent, SessionEndReport } from '../session/session-lifecycle';
import { type EndFacts, mapDisconnectReason } from './disconnect-reason.mapper';
import type { DisconnectEventBody, SessionStatsFacts } from './session-event';
import { clipText } from '../validation/clip-text';

/*
 * One session end can be reported several times: by the disconnect-script (counters, no
 * reason), by `occtl show events` (reason, duration), by reconciliation (neither), and the
 * agent may have announced it (intent). The first report persists the disconnect; later ones
 * amend it while it waits (events.disconnect_settle_ms). What each report established is kept
 * in the body's metadata, so an amend (or an agent restart) recomputes the reason from facts.
 */

/** How much a source's counters are worth: the disconnect-script's own STATS_* beat a last look. */
const STATS_RANK = { none: 0, 'last-look': 1, 'occtl-event': 2, script: 3 } as const;
type StatsSource = keyof typeof STATS_RANK;

const FLAG = 'true';
/** ocserv's reason texts are short (discon_reason_to_str); a longer one is cut, not carried whole. */
const MAX_REASON_TEXT_LENGTH = 256;

export function factsOf(metadata: Readonly<Record<string, string>>): EndFacts {
  const intent = metadata['agent_intent'];
  return {
    intent: intent === 'ADMIN_FORCED' || intent === 'POLICY_VIOLATION' ? intent : undefined,
    ocservReason: metadata['ocserv_reason'],
    ocservStopped: metadata['ocserv_stopped'] === FLAG,
    ocservRestarted: metadata['ocserv_restarted'] === FLAG,
    endedWhileAgentDown: metadata['ended_while_agent_down'] === FLAG,
  };
}

/** The first report of an end -> the disconnect to persist. */
export function disconnectFromReport(
  report: SessionEndReport,
  intent: SessionEndIntent | undefined,
  connectedAtMs: number | undefined,
): DisconnectEventBody {
  const base: DisconnectEventBody = {
    kind: 'disconnect',
    username: report.username,
    sessionId: report.sessionId,
    disconnectedAtMs: report.atMs,
    reason: 'UNSPECIFIED',
    stats: { durationSeconds: 0, bytesReceived: 0, bytesSent: 0 },
    metadata: { stats_source: 'none' },
  };
  const ocservSession = report.lastKnown?.metadata['ocserv_session'];
  const withSession = ocservSession === undefined ? base : { ...base, metadata: { ...base.metadata, ocserv_session: ocservSession } };
  const started = connectedAtMs ?? report.lastKnown?.connectedAtMs;
  const withDuration =
    started === undefined
      ? withSession
      : { ...withSession, stats: { ...withSession.stats, durationSeconds: Math.max(0, Math.round((report.atMs - started) / 1000)) } };
  return mergeReport(withIntent(withDuration, intent), report);
}

/** A later report of the same end folded in: facts added, counters from the better source. */
export function mergeReport(body: DisconnectEventBody, report: SessionEndReport): DisconnectEventBody {
  const metadata: Record<string, string> = { ...body.metadata };
  metadata['reported_by'] = addSource(metadata['reported_by'], report.source);
  if (report.ocservReason !== undefined && metadata['ocserv_reason'] === undefined) metadata['ocserv_reason'] = clipText(report.ocservReason, MAX_REASON_TEXT_LENGTH);
  if (report.ocservRestarted === true) metadata['ocserv_restarted'] = FLAG;
  if (report.callerReason !== undefined && report.callerReason !== '') metadata['caller_reason'] = clipText(report.callerReason, MAX_REASON_TEXT_LENGTH);
  if (report.source === 'recovery') metadata['ended_while_agent_down'] = FLAG;
  const stats = betterStats(body.stats, metadata, report);
  return withReason({ ...body, stats, metadata });
}

export function withIntent(body: DisconnectEventBody, intent: SessionEndIntent | undefined): DisconnectEventBody {
  if (intent === undefined || body.metadata['agent_intent'] !== undefined) return body;
  return withReason({ ...body, metadata: { ...body.metadata, agent_intent: intent.reason, agent_detail: intent.detail } });
}

export function withOcservStopped(body: DisconnectEventBody): DisconnectEventBody {
  return withReason({ ...body, metadata: { ...body.metadata, ocserv_stopped: FLAG } });
}

function withReason(body: DisconnectEventBody): DisconnectEventBody {
  const mapped = mapDisconnectReason(factsOf(body.metadata));
  return { ...body, reason: mapped.reason, metadata: { ...body.metadata, reason_source: mapped.source } };
}

function betterStats(current: SessionStatsFacts, metadata: Record<string, string>, report: SessionEndReport): SessionStatsFacts {
  const currentSource = (metadata['stats_source'] ?? 'none') as StatsSource;
  const fromScript = report.bytesIn !== undefined || report.bytesOut !== undefined;
  const candidate: StatsSource = fromScript
    ? 'script'
    : report.durationSeconds !== undefined
      ? 'occtl-event'
      : report.lastKnown !== undefined
        ? 'last-look'
        : 'none';
  if (STATS_RANK[candidate] <= STATS_RANK[currentSource]) {
    // A lower source may still fill the duration a higher one lacked.
    if (current.durationSeconds === 0 && report.durationSeconds !== undefined) return { ...current, durationSeconds: report.durationSeconds };
    return current;
  }
  metadata['stats_source'] = candidate;
  return {
    durationSeconds: report.durationSeconds ?? current.durationSeconds,
    bytesReceived: report.bytesIn ?? report.lastKnown?.bytesIn ?? current.bytesReceived,
    bytesSent: report.bytesOut ?? report.lastKnown?.bytesOut ?? current.bytesSent,
  };
}

function addSource(list: string | undefined, source: string): string {
  if (list === undefined || list === '') return source;
  return list.split(',').includes(source) ? list : `${list},${source}`;
}

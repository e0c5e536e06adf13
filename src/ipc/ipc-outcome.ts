/**
 * How a request ended, as the requests_total metric and the request log line report it.
 * allowed/denied: connect decided; ok: disconnect/host-update done; invalid: the request was
 * refused as malformed; refused: well-formed but not possible (e.g. another user's session);
 * unavailable: a dependency failed; timeout: the handler overran its budget (answered deny);
 * error: a bug, logged with a reference id.
 */
export type IpcOutcome = 'allowed' | 'denied' | 'ok' | 'invalid' | 'refused' | 'unavailable' | 'timeout' | 'error';

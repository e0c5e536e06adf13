/** The outbox file cannot be used at all (not merely corrupt); the message names the path and the config key. Stops startup. */
export class OutboxOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutboxOpenError';
  }
}

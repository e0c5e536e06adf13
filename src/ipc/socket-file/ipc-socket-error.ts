/** The hook socket could not be set up; the message names the path and what to do. Stops startup. */
export class IpcSocketError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IpcSocketError';
  }
}

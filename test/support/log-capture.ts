import { Writable } from 'node:stream';

export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** A pino destination that keeps every JSON line, so tests can assert on logs and audit lines. */
export class LogCapture extends Writable {
  private readonly parsed: LogLine[] = [];
  private readonly raw: string[] = [];
  private pending = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.pending += chunk.toString('utf8');
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      this.raw.push(line);
      try {
        this.parsed.push(JSON.parse(line) as LogLine);
      } catch {
        this.parsed.push({ msg: line, unparsed: true });
      }
      newline = this.pending.indexOf('\n');
    }
    callback();
  }

  get lines(): readonly LogLine[] {
    return this.parsed;
  }

  get text(): string {
    return this.raw.join('\n');
  }

  where(predicate: (line: LogLine) => boolean): LogLine[] {
    return this.parsed.filter(predicate);
  }

  async waitFor(predicate: (line: LogLine) => boolean, timeoutMs = 2000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.parsed.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no log line matched within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

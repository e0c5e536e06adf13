import type { LoggerService } from '@nestjs/common';

/** A LoggerService that keeps what it was given, by level, for assertions on log lines. */
export class RecordingLogger implements LoggerService {
  readonly logs: unknown[] = [];
  readonly warnings: unknown[] = [];
  readonly errors: unknown[] = [];

  log(message: unknown): void {
    this.logs.push(message);
  }

  warn(message: unknown): void {
    this.warnings.push(message);
  }

  error(message: unknown): void {
    this.errors.push(message);
  }
}

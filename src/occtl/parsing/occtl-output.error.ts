/** How much of unreadable output an error quotes: enough to recognise it, little enough for one log line. */
export const OCCTL_OUTPUT_EXCERPT_CHARS = 120;

/**
 * occtl printed something the parsers cannot read (an error text instead of
 * JSON, truncated output, binary). Carries the start of that output so the
 * caller can say what occtl printed without logging all of it.
 */
export class OcctlOutputError extends Error {
  /** The first OCCTL_OUTPUT_EXCERPT_CHARS characters, JSON-escaped: control bytes and quotes cannot break a log line. */
  readonly excerpt: string;

  constructor(reason: string, output: string) {
    const excerpt = excerptOf(output);
    super(`${reason}; output starts ${excerpt}`);
    this.name = 'OcctlOutputError';
    this.excerpt = excerpt;
  }
}

function excerptOf(output: string): string {
  const head = JSON.stringify(output.slice(0, OCCTL_OUTPUT_EXCERPT_CHARS));
  return output.length > OCCTL_OUTPUT_EXCERPT_CHARS ? `${head}…` : head;
}

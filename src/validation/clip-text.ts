/**
 * `text` cut to `maxLength` characters with an ellipsis when longer: for free text that is
 * only carried on (reasons, details in logs, audit lines and event metadata), never judged.
 */
export function clipText(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

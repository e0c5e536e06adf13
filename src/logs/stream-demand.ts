/**
 * Whether the reader of a stream can take another line now: the domain's view
 * of the transport's flow control. Sources emit only while `isReady()` and
 * pause their producer (a child's pipe, a ring cursor) until `onReady` fires,
 * so a reader that stops reading costs a fixed amount of memory instead of
 * every line the source produces.
 */
export interface StreamDemand {
  isReady(): boolean;
  /** Calls `listener` each time the reader becomes ready again; returns the function that stops it. */
  onReady(listener: () => void): () => void;
}

/** For readers without flow control (tests, in-process consumers that take every line at once). */
export const UNLIMITED_DEMAND: StreamDemand = {
  isReady: () => true,
  onReady: () => () => undefined,
};

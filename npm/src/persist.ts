/** Key prefix shared with the wasm client (`crates/tidings-web/src/persist.rs`). */
const PREFIX = 'tidings:last-event-id:';

/**
 * Forgets the last event ID a stream with `persistLastEventId` stored for `url` (and `key`, the
 * string given as `persistLastEventId`; omit it for `persistLastEventId: true`): the next
 * connection, or the next page load, starts from the beginning. Safe to call anywhere (no
 * `sessionStorage`, server-side rendering: nothing happens).
 *
 * @example
 * ```ts
 * import { connect, clearLastEventId } from 'tidings';
 * const feed = connect('/sse/feed', { persistLastEventId: true });
 * logoutButton.onclick = () => { feed.close(); clearLastEventId('/sse/feed'); };
 * ```
 */
export function clearLastEventId(url: string, key = ''): void {
  try {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    const storage = (globalThis as { sessionStorage?: Storage }).sessionStorage;
    storage?.removeItem(`${PREFIX}${key}:${new URL(url, base).href}`);
  } catch {
    // No storage, a storage that throws, or an unresolvable URL: nothing was stored.
  }
}

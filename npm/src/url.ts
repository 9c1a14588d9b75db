/**
 * Resolution of the stream URL, shared by `connect` and the `EventSource` class.
 *
 * @internal
 * @packageDocumentation
 */
import { TidingsError } from './errors.js';

/**
 * The base relative URLs resolve against: the page's or the worker's location. `undefined`
 * where there is none (Node, edge runtimes): only absolute URLs work there.
 */
function baseUrl(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

/** Whether `text` parses once given some base, i.e. is a relative reference. */
function isRelative(text: string): boolean {
  try {
    new URL(text, 'http://base.invalid/');
    return true;
  } catch {
    return false;
  }
}

/**
 * `url` made absolute against the page or worker location. Throws a `TidingsError` of kind
 * `invalid-url` that says what to do: for a relative URL where there is no location (Node),
 * that an absolute URL is needed.
 *
 * @internal
 */
export function resolveStreamUrl(url: string | URL): string {
  const base = baseUrl();
  try {
    return new URL(url, base).href;
  } catch (cause) {
    const text = String(url);
    const message =
      base === undefined && isRelative(text)
        ? `"${text}" is a relative URL, and there is no page or worker location to resolve it against (as in Node): pass an absolute URL, e.g. new URL(${JSON.stringify(text)}, 'https://api.example.com')`
        : `invalid URL: ${text}`;
    throw new TidingsError('invalid-url', message, { cause });
  }
}

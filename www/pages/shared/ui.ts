// Small DOM helpers shared by the vanilla demo pages. No framework: each page owns its DOM.
import '../../style.css';

/** The element with this id, typed; throws early when the page markup and the script disagree. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/**
 * The dev server files requests (and lab faults) under `?session=`: the page's own query
 * parameter when given (the end-to-end tests pass one), otherwise a fresh one per tab, so two
 * tabs never break each other's streams.
 */
export function sessionName(prefix: string): string {
  const given = new URLSearchParams(location.search).get('session');
  return given || `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Sets a `.badge`'s text and `data-status` (which picks its colour). */
export function setBadge(el: HTMLElement, status: string, text = status): void {
  el.dataset.status = status;
  el.textContent = text;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** `12:03:04.123` */
export function clock(at: number): string {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Prepends a row of cells (`[text, className?]`) to a `.log` list, keeping at most `max` rows. */
export function logRow(list: HTMLElement, cells: Array<[string, string?]>, max = 60, data: Record<string, string> = {}): HTMLLIElement {
  list.querySelector('.empty')?.remove();
  const row = document.createElement('li');
  for (const [text, cls] of cells) {
    const cell = document.createElement('span');
    if (cls) cell.className = cls;
    cell.textContent = text;
    row.append(cell);
  }
  Object.assign(row.dataset, data);
  list.prepend(row);
  while (list.children.length > max) list.lastElementChild?.remove();
  return row;
}

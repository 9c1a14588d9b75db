// The reconnect lab: one `/sse/lab` stream, buttons that inject faults through
// `POST /control/fault` (scoped to this tab's session), and an SVG timeline of what the client
// does: status segments, events, faults, errors and backoff delays, plus a live countdown.
import { connect, type EventStream, type RetryOptions, type Status, type TidingsError, type TraceEntry } from 'tidings';

import { $, clock, formatBytes, formatSeconds, logRow, sessionName, setBadge } from '../shared/ui';

const WINDOW_MS = 30_000;
const IDLE_TIMEOUT_MS = 3000;
const session = sessionName('lab');

interface Segment {
  status: Status;
  from: number;
  to?: number;
}
interface Mark {
  at: number;
  kind: 'fault' | 'error' | 'open' | 'closed';
  label: string;
}
interface Backoff {
  from: number;
  to: number;
}

const segments: Segment[] = [];
const marks: Mark[] = [];
const backoffs: Backoff[] = [];
const ticks: number[] = [];
let entries = 0;
let nextAttempt: { at: number; total: number } | undefined;
let stream: EventStream | undefined;

const statusBadge = $('status');
const entryList = $('entries');
const traceList = $('trace');
const svg = $('timeline') as unknown as SVGSVGElement;

function entry(kind: Mark['kind'] | 'status', what: string, detail: string): void {
  entries += 1;
  svg.dataset.entries = String(entries);
  logRow(entryList, [[clock(Date.now()), 't'], [what, `k kind-${kind}`], [detail]], 80, { kind });
}

/** One row of the client's `debug` trace: its time, kind and readable line (plus the heads on `open`). */
function trace(entry: TraceEntry): void {
  // The response head, trimmed to what says something about this stream (the trace has all of it).
  const shown = Object.entries(entry.headers ?? {}).filter(([name]) => name === 'cache-control' || name.startsWith('x-tidings-'));
  const heads = entry.kind === 'open' ? shown.map(([k, v]) => ` · ${k}: ${v}`).join('') : '';
  logRow(traceList, [[`+${(entry.at / 1000).toFixed(3)} s`, 't'], [entry.kind, `k trace-${entry.kind}`], [entry.message + heads]], 120, { kind: entry.kind });
}

function setStatus(status: Status): void {
  const now = Date.now();
  const last = segments.at(-1);
  if (last?.status === status) return;
  if (last) last.to = now;
  segments.push({ status, from: now });
  setBadge(statusBadge, status);
  if (status === 'open' || status === 'closed') nextAttempt = undefined;
}

function describeError(error: TidingsError): string {
  return error.kind === 'http' ? `http ${error.status}` : error.kind;
}

function start(resumeFrom = ''): void {
  const retry: RetryOptions = {
    initialDelay: 1000,
    maxDelay: 8000,
    jitter: $<HTMLSelectElement>('jitter').value as RetryOptions['jitter'],
  };
  const url = `/sse/lab?session=${encodeURIComponent(session)}`;
  const s = (stream = connect(url, {
    idleTimeout: IDLE_TIMEOUT_MS,
    retry,
    lastEventId: resumeFrom || undefined,
    debug: (entry) => {
      if (s === stream) trace(entry);
    },
  }));
  setStatus(s.status);
  entry('status', 'connect', `GET /sse/lab · idle timeout ${IDLE_TIMEOUT_MS / 1000} s · jitter ${retry.jitter}`);
  s.on('status', (status) => {
    if (s !== stream) return;
    setStatus(status);
    entry(status === 'open' || status === 'closed' ? status : 'status', status, statusHint(status));
    tickUi();
  });
  s.on('open', (info) => {
    if (s !== stream) return;
    marks.push({ at: Date.now(), kind: 'open', label: `${info.status ?? ''} open`.trim() });
    const resumed = info.headers['x-tidings-resume-from'];
    entry('open', `open ${info.status ?? ''}`, `attempt ${info.attempt}${resumed ? ` · server resumes at id ${resumed}` : ''}`);
  });
  s.on('error', (error) => {
    if (s !== stream) return;
    const now = Date.now();
    const label = describeError(error);
    marks.push({ at: now, kind: 'error', label });
    $('last-error').textContent = `last error: ${label}`;
    if (error.willRetry && error.delay !== undefined) {
      backoffs.push({ from: now, to: now + error.delay });
      nextAttempt = { at: now + error.delay, total: Math.max(error.delay, 1) };
      entry('error', label, `retry #${error.attempt} in ${formatSeconds(error.delay)}${error.kind === 'http' && error.status === 429 ? ' (Retry-After honoured)' : ''}`);
    } else {
      entry('error', label, `${error.message} · no retry`);
    }
  });
  s.on('message', (event) => {
    if (s !== stream) return;
    ticks.push(Date.now());
    $('m-last-id').textContent = event.lastEventId || '–';
  });
  s.on('close', () => {
    if (s !== stream) return;
    marks.push({ at: Date.now(), kind: 'closed', label: 'closed' });
    entry('closed', 'closed', 'the client stopped for good — press Reconnect now to start again');
  });
}

function statusHint(status: Status): string {
  switch (status) {
    case 'open':
      return 'receiving events';
    case 'connecting':
      return 'first connection';
    case 'reconnecting':
      return 'waiting for the backoff, then trying again';
    case 'closed':
      return 'no more attempts';
  }
}

async function injectFault(button: HTMLButtonElement): Promise<void> {
  const { kind = '', count, retryAfter, label = kind } = button.dataset;
  const query = new URLSearchParams({ session, kind });
  if (count) query.set('count', count);
  if (retryAfter) query.set('retry_after', retryAfter);
  marks.push({ at: Date.now(), kind: 'fault', label });
  try {
    const res = await fetch(`/control/fault?${query}`, { method: 'POST' });
    const answer = (await res.json()) as { live?: number; pending?: number };
    const parts = [`${answer.live ?? 0} open stream${answer.live === 1 ? '' : 's'} hit`];
    if (answer.pending) parts.push(`${answer.pending} next connection${answer.pending === 1 ? '' : 's'} will fail`);
    entry('fault', label, parts.join(' · '));
  } catch (error) {
    entry('fault', label, `could not reach the dev server: ${String(error)}`);
  }
}

for (const button of document.querySelectorAll<HTMLButtonElement>('button.fault')) {
  button.addEventListener('click', () => void injectFault(button));
}
$('reconnect').addEventListener('click', () => {
  if (!stream) return start();
  entry('status', 'reconnect()', 'a fresh attempt now, backoff reset');
  stream.reconnect();
});
$('close').addEventListener('click', () => stream?.close());
$('jitter').addEventListener('change', () => {
  const old = stream;
  stream = undefined;
  old?.close();
  start(old?.lastEventId);
});

// ---- the countdown and counters -------------------------------------------------------------

function tickUi(): void {
  const now = Date.now();
  const countdown = $('countdown');
  if (nextAttempt && stream?.status === 'reconnecting') {
    const left = nextAttempt.at - now;
    countdown.hidden = false;
    $('countdown-text').textContent = left > 0 ? `next attempt in ${(left / 1000).toFixed(1)} s` : 'trying now…';
    $('countdown-bar').style.width = `${Math.max(0, Math.min(1, left / nextAttempt.total)) * 100}%`;
  } else {
    countdown.hidden = true;
  }
  if (stream) {
    const m = stream.metrics;
    $('m-messages').textContent = String(m.messages);
    $('m-bytes').textContent = formatBytes(m.bytes);
    $('m-reconnects').textContent = String(m.reconnects);
    $('m-connected').textContent = formatSeconds(m.connectedMs);
  }
}

// ---- the timeline ---------------------------------------------------------------------------

const LANES = { status: 26, events: 62, faults: 102, errors: 146 };
const LEFT = 124;
const RIGHT = 16;
const HEIGHT = 230;

/** x and anchor for a label next to a marker, flipped to its left near the right edge. */
function labelAt(xx: number, text: string, right: number): string {
  const width = text.length * 6.4;
  return xx + 8 + width > right ? `x="${xx - 8}" text-anchor="end"` : `x="${xx + 8}"`;
}

function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Places labels left to right in the first row where they do not overlap: row index, or -1. */
function labelRows(rows: number): (x: number, text: string) => number {
  const ends: number[] = new Array<number>(rows).fill(-Infinity);
  return (x, text) => {
    const width = text.length * 6.4 + 8;
    const row = ends.findIndex((end) => x >= end);
    if (row >= 0) ends[row] = x + width;
    return row;
  };
}

function prune(now: number): void {
  const horizon = now - WINDOW_MS - 2000;
  while (segments.length > 1 && (segments[0].to ?? now) < horizon) segments.shift();
  while (marks.length && marks[0].at < horizon) marks.shift();
  while (backoffs.length && backoffs[0].to < horizon) backoffs.shift();
  while (ticks.length && ticks[0] < horizon) ticks.shift();
}

function drawTimeline(): void {
  const now = Date.now();
  prune(now);
  const width = Math.max(svg.clientWidth, 400);
  const span = width - LEFT - RIGHT;
  const start = now - WINDOW_MS;
  const x = (t: number) => LEFT + ((Math.max(t, start) - start) / WINDOW_MS) * span;
  const parts: string[] = [
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#fff7ed"/><rect width="3" height="6" fill="#fde68a"/></pattern></defs>`,
  ];
  // Lane labels and guides.
  const lanes: Array<[string, number]> = [
    ['status', LANES.status],
    ['events', LANES.events],
    ['faults', LANES.faults],
    ['errors · backoff', LANES.errors],
  ];
  for (const [name, y] of lanes) {
    parts.push(`<text class="lane-label" x="8" y="${y + 4}">${name}</text>`);
    parts.push(`<line x1="${LEFT}" x2="${width - RIGHT}" y1="${y}" y2="${y}" stroke="#eef2f7"/>`);
  }
  // Axis: a label every 5 s, counted back from now.
  parts.push('<g class="axis">');
  for (let s = 0; s <= WINDOW_MS / 1000; s += 5) {
    const xx = x(now - s * 1000);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="10" y2="${HEIGHT - 20}" stroke-dasharray="2 4"/>`);
    parts.push(`<text x="${xx}" y="${HEIGHT - 5}" text-anchor="middle">${s === 0 ? 'now' : `−${s} s`}</text>`);
  }
  parts.push('</g>');
  // Status segments.
  for (const seg of segments) {
    const x1 = x(seg.from);
    const x2 = x(seg.to ?? now);
    if (x2 <= LEFT) continue;
    parts.push(
      `<rect class="seg seg-${seg.status}" data-status="${seg.status}" x="${x1}" y="${LANES.status - 9}" width="${Math.max(x2 - x1, 1.5)}" height="18" rx="4"/>`,
    );
  }
  // Events.
  for (const t of ticks) {
    const xx = x(t);
    parts.push(`<line class="tick" x1="${xx}" x2="${xx}" y1="${LANES.events - 9}" y2="${LANES.events + 9}"/>`);
  }
  // Backoff delays: from the error to the scheduled attempt (it may lie in the future).
  const backoffRow = labelRows(2);
  for (const b of backoffs) {
    const x1 = x(b.from);
    const x2 = LEFT + ((b.to - start) / WINDOW_MS) * span;
    const clipped = Math.min(x2, width - RIGHT);
    if (clipped <= LEFT) continue;
    parts.push(
      `<rect class="backoff" x="${x1}" y="${LANES.errors + 12}" width="${Math.max(clipped - x1, 2)}" height="12" rx="3"><title>backoff ${formatSeconds(b.to - b.from)}</title></rect>`,
    );
    const label = `wait ${formatSeconds(b.to - b.from)}`;
    const row = backoffRow(x1, label);
    const at = x1 + 2 + label.length * 6.4 > width - RIGHT ? `x="${width - RIGHT}" text-anchor="end"` : `x="${x1 + 2}"`;
    if (row >= 0) parts.push(`<text class="backoff-label" ${at} y="${LANES.errors + 37 + row * 12}">${label}</text>`);
  }
  // Faults, errors, opens and closes.
  const faultRow = labelRows(2);
  const errorRow = labelRows(2);
  for (const m of marks) {
    const xx = x(m.at);
    if (xx <= LEFT) continue;
    const title = `<title>${esc(m.label)}</title>`;
    if (m.kind === 'fault') {
      const y = LANES.faults;
      parts.push(`<path class="mark mark-fault" d="M${xx - 6} ${y - 8} L${xx + 6} ${y - 8} L${xx} ${y + 4} Z">${title}</path>`);
      const row = faultRow(xx + 8, m.label);
      if (row >= 0) parts.push(`<text class="mark-label" fill="#7c3aed" ${labelAt(xx, m.label, width - RIGHT)} y="${y + 2 - row * 13}">${esc(m.label)}</text>`);
    } else if (m.kind === 'error') {
      const y = LANES.errors;
      parts.push(`<circle class="mark mark-error" cx="${xx}" cy="${y}" r="5.5">${title}</circle>`);
      const row = errorRow(xx + 8, m.label);
      if (row >= 0) parts.push(`<text class="mark-label" fill="#b91c1c" ${labelAt(xx, m.label, width - RIGHT)} y="${y + 4 - row * 13}">${esc(m.label)}</text>`);
    } else {
      const y = LANES.status;
      parts.push(`<circle class="mark mark-${m.kind}" cx="${xx}" cy="${y}" r="4" stroke="#fff" stroke-width="2">${title}</circle>`);
    }
  }
  parts.push(`<line class="now" x1="${width - RIGHT}" x2="${width - RIGHT}" y1="8" y2="${HEIGHT - 22}"/>`);
  svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
  svg.innerHTML = parts.join('');
}

setInterval(() => {
  tickUi();
  drawTimeline();
}, 100);
start();

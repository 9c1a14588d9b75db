// Live ticks with `connect()`: status, counters and an event log, no framework.
import { connect, type EventStream, type Transport } from 'tidings';

import { $, clock, formatBytes, logRow, sessionName, setBadge } from '../shared/ui';

const status = $('status');
const list = $('events');
const toggle = $<HTMLButtonElement>('toggle');
const transportSelect = $<HTMLSelectElement>('transport');
const intervalSelect = $<HTMLSelectElement>('interval');
const session = sessionName('vanilla');

let stream: EventStream | undefined;
// Survives Disconnect/Connect and transport switches, so a new stream resumes where the old one stopped.
let lastId = '';

function start(): void {
  const url = `/sse/ticks?interval_ms=${intervalSelect.value}&session=${encodeURIComponent(session)}`;
  stream = connect(url, { transport: transportSelect.value as Transport, lastEventId: lastId || undefined });
  setBadge(status, stream.status);
  stream.on('status', (s) => setBadge(status, s));
  stream.on('error', (error) => {
    logRow(list, [[clock(Date.now()), 't'], [error.kind, 'k'], [error.willRetry ? `${error.message} — retrying` : error.message]]);
  });
  stream.on('message', (event) => {
    logRow(list, [[clock(Date.now()), 't'], [`#${event.lastEventId}`, 'k'], [event.data]], 50, { id: event.lastEventId });
    lastId = event.lastEventId;
    $('m-last-id').textContent = event.lastEventId || '–';
  });
  toggle.textContent = 'Disconnect';
  toggle.classList.remove('primary');
}

function stop(): void {
  stream?.close();
  stream = undefined;
  setBadge(status, 'closed');
  toggle.textContent = 'Connect';
  toggle.classList.add('primary');
}

function restart(): void {
  stop();
  start();
}

toggle.addEventListener('click', () => (stream ? stop() : start()));
$('reconnect').addEventListener('click', () => (stream ? stream.reconnect() : start()));
transportSelect.addEventListener('change', restart);
intervalSelect.addEventListener('change', restart);

setInterval(() => {
  if (!stream) return;
  const m = stream.metrics;
  $('m-messages').textContent = String(m.messages);
  $('m-bytes').textContent = formatBytes(m.bytes);
  $('m-reconnects').textContent = String(m.reconnects);
}, 200);

start();

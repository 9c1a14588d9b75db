// One connection for every tab: `connect(url, { share: true })`, this tab's role, the server's
// live connection count, the event log, and a button that closes the leader (whichever tab it is).
import { connect, type EventStream } from 'tidings';

import { $, clock, logRow, setBadge } from '../shared/ui';

// One session for all tabs of this browser (the server's connection count is per session);
// the end-to-end test passes its own.
const given = new URLSearchParams(location.search).get('session');
const session = given ?? (localStorage.getItem('tidings-share-session') || `share-${Math.random().toString(36).slice(2, 8)}`);
if (!given) localStorage.setItem('tidings-share-session', session);

const list = $('events');
const rejoin = $<HTMLButtonElement>('rejoin');
// The demo's own channel, separate from tidings': "whoever leads, close your stream".
const control = new BroadcastChannel('tidings-demo-share');
let stream: EventStream | undefined;

function showRole(role: string): void {
  setBadge($('role'), role === 'leader' ? 'open' : role === 'follower' ? 'reconnecting' : 'closed', role);
  $('m-role').textContent = role;
}

function start(): void {
  stream = connect(`/sse/ticks?interval_ms=500&session=${encodeURIComponent(session)}`, { share: true });
  showRole(stream.role);
  stream.on('role', showRole);
  stream.on('status', (s) => ($('m-status').textContent = s));
  stream.on('error', (error) => logRow(list, [[clock(Date.now()), 't'], [error.kind, 'k'], [error.message]]));
  stream.on('message', (event) => {
    logRow(list, [[clock(Date.now()), 't'], [`#${event.lastEventId}`, 'k'], [event.data]], 50, { id: event.lastEventId });
    $('m-last-id').textContent = event.lastEventId || '–';
  });
  rejoin.hidden = true;
}

function closeIfLeader(): void {
  if (stream?.role !== 'leader') return;
  stream.close();
  stream = undefined;
  showRole('closed');
  $('m-status').textContent = 'closed (this tab stepped out)';
  rejoin.hidden = false;
}

control.onmessage = (e) => {
  if (e.data === 'close-leader') closeIfLeader();
};
$('close-leader').addEventListener('click', () => {
  control.postMessage('close-leader');
  closeIfLeader();
});
rejoin.addEventListener('click', start);

setInterval(async () => {
  const stats = await fetch(`/control/stats?session=${encodeURIComponent(session)}`).then((r) => r.json(), () => undefined);
  if (stats) $('m-connections').textContent = String(stats.open);
}, 500);

start();

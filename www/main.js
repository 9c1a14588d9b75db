// The first demo: live events from the dev server through the tidings npm package.
import { connect } from '/pkg/dist/index.js';

const statusBadge = document.getElementById('status');
const countLabel = document.getElementById('count');
const lastIdLabel = document.getElementById('last-id');
const list = document.getElementById('events');
const toggle = document.getElementById('toggle');

const MAX_ROWS = 50;
let count = 0;
let stream;

function setStatus(status) {
  statusBadge.textContent = status;
  statusBadge.dataset.status = status;
}

function start() {
  setStatus('connecting');
  stream = connect('/sse/ticks?interval_ms=500&session=demo-index');
  stream.on('status', setStatus);
  stream.on('error', (error) => setStatus(`error: ${error.kind}${error.willRetry ? ' (retrying)' : ''}`));
  stream.on('message', (event) => {
    count += 1;
    countLabel.textContent = String(count);
    lastIdLabel.textContent = event.lastEventId || '–';
    const row = document.createElement('li');
    row.textContent = `${event.type} #${event.lastEventId}: ${event.data}`;
    list.prepend(row);
    while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
  });
  toggle.textContent = 'Disconnect';
}

function stop() {
  stream?.close();
  stream = undefined;
  setStatus('closed');
  toggle.textContent = 'Connect';
}

toggle.addEventListener('click', () => (stream ? stop() : start()));
start();

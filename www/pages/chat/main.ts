// An LLM-style chat: every reply is one POST streamed with `stream()`, ended by `[DONE]`,
// abortable with Stop.
import { stream, TidingsError } from 'tidings';

import { $, formatSeconds, sessionName, setBadge } from '../shared/ui';

const conversation = $('conversation');
const composer = $<HTMLFormElement>('composer');
const promptInput = $<HTMLTextAreaElement>('prompt');
const sendButton = $<HTMLButtonElement>('send');
const stopButton = $<HTMLButtonElement>('stop');
const replyStatus = $('reply-status');
const session = sessionName('chat');

let abort: AbortController | undefined;

function bubble(role: 'user' | 'assistant', text: string): { root: HTMLElement; text: HTMLElement; meta: HTMLElement } {
  $('empty').hidden = true;
  const root = document.createElement('div');
  root.className = `msg ${role}`;
  const body = document.createElement('div');
  body.className = 'bubble';
  const span = document.createElement('span');
  span.className = 'text';
  span.textContent = text;
  body.append(span);
  const meta = document.createElement('div');
  meta.className = 'meta';
  root.append(body, meta);
  conversation.append(root);
  return { root, text: span, meta };
}

function scrollDown(): void {
  const nearBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 80;
  if (nearBottom) conversation.scrollTop = conversation.scrollHeight;
}

function setBusy(busy: boolean): void {
  sendButton.disabled = busy;
  stopButton.disabled = !busy;
  promptInput.disabled = busy;
  if (!busy) promptInput.focus();
}

async function ask(prompt: string): Promise<void> {
  if (abort || !prompt.trim()) return;
  const user = bubble('user', prompt);
  user.meta.textContent = 'you';
  const reply = bubble('assistant', '');
  const state = (s: 'streaming' | 'done' | 'stopped' | 'error', meta: string) => {
    reply.root.dataset.state = s;
    reply.meta.textContent = meta;
    setBadge(replyStatus, s);
  };
  state('streaming', 'connecting…');
  conversation.scrollTop = conversation.scrollHeight;

  const controller = (abort = new AbortController());
  setBusy(true);
  const tokens = Number($<HTMLInputElement>('tokens').value) || 60;
  const delay = Number($<HTMLInputElement>('delay').value) || 0;
  const started = performance.now();
  let firstAt: number | undefined;
  let count = 0;
  const show = () => {
    reply.root.dataset.tokens = String(count);
    $('m-tokens').textContent = String(count);
    $('m-duration').textContent = formatSeconds(performance.now() - started);
  };
  $('m-ttft').textContent = '–';
  show();
  try {
    const replyStream = stream(`/sse/llm?session=${encodeURIComponent(session)}`, {
      method: 'POST',
      body: { prompt, tokens, delay_ms: delay },
      doneSentinel: '[DONE]',
      signal: controller.signal,
    });
    for await (const event of replyStream) {
      const { token } = JSON.parse(event.data) as { token: string };
      if (firstAt === undefined) {
        firstAt = performance.now();
        $('m-ttft').textContent = `${Math.round(firstAt - started)} ms`;
      }
      reply.text.textContent += token;
      count += 1;
      show();
      state('streaming', `streaming · ${count} tokens`);
      scrollDown();
    }
    show();
    state('done', `done · ${count} tokens · ${formatSeconds(performance.now() - started)} · [DONE] received`);
  } catch (error) {
    show();
    if (controller.signal.aborted || (error instanceof TidingsError && error.kind === 'aborted')) {
      state('stopped', `stopped after ${count} tokens`);
    } else {
      const e = error as TidingsError;
      state('error', `error: ${e.kind ?? 'unknown'}${e.status ? ` ${e.status}` : ''} — ${e.message}`);
    }
  } finally {
    abort = undefined;
    setBusy(false);
  }
}

composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const prompt = promptInput.value;
  promptInput.value = '';
  void ask(prompt);
});
promptInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    composer.requestSubmit();
  }
});
stopButton.addEventListener('click', () => abort?.abort());
for (const chip of $('chips').querySelectorAll('button')) {
  chip.addEventListener('click', () => {
    promptInput.value = chip.textContent ?? '';
    composer.requestSubmit();
  });
}
promptInput.focus();

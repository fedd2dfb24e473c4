// Tokenlane demo chat: plain ES module, no build step. Served at /demo/ next to /client/ and /v1/, so every URL
// here is relative to the page and the demo also works when the gateway is mounted under a prefix.
import { TokenlaneClient } from '../client/tokenlane.js';

const API = new URL('../v1/', location.href).href;
const $ = (id) => document.getElementById(id);
const el = {
  model: $('model'),
  prompt: $('prompt'),
  send: $('send'),
  cancel: $('cancel'),
  force: $('force-transport'),
  transport: $('transport'),
  status: $('status'),
  error: $('error'),
  output: $('output'),
  history: $('history'),
  current: $('current'),
  currentPrompt: $('current-prompt'),
  newChat: $('new-chat'),
};

const messages = []; // the conversation sent with each prompt: committed turns only
let lastTurn = null; // the answer on screen in #current; committed to `messages` when the next prompt is sent
let client = makeClient();
let active = null; // {client, stream, done} while streaming

function makeClient() {
  const forced = el.force.value;
  const c = new TokenlaneClient({
    baseUrl: API,
    transports: forced === 'auto' ? undefined : [forced],
    onTransport: (name) => {
      if (c === client || c === active?.client) el.transport.textContent = name;
    },
  });
  return c;
}

function setStatus(text, error = '') {
  el.status.textContent = text;
  el.error.textContent = error;
}

function bubble(role, text) {
  const li = document.createElement('li');
  li.className = `msg ${role}`;
  li.textContent = text;
  el.history.append(li);
}

function commitLastTurn() {
  if (!lastTurn) return;
  messages.push({ role: 'user', content: lastTurn.user }, { role: 'assistant', content: lastTurn.assistant });
  bubble('user', lastTurn.user);
  bubble('assistant', lastTurn.assistant);
  lastTurn = null;
}

function setStreaming(on) {
  document.body.classList.toggle('streaming', on);
  el.send.disabled = on || !el.model.value;
  el.cancel.disabled = !on;
}

async function send() {
  const text = el.prompt.value.trim();
  if (!text || active || !el.model.value) return;
  commitLastTurn();
  el.prompt.value = '';
  el.current.hidden = false;
  el.currentPrompt.textContent = text;
  el.output.textContent = '';
  setStatus('streaming');
  setStreaming(true);

  const c = client;
  let finished;
  active = { client: c, done: new Promise((resolve) => (finished = resolve)) };
  let answer = '';
  try {
    active.stream = c.stream({ model: el.model.value, messages: [...messages, { role: 'user', content: text }] });
    for await (const token of active.stream) {
      answer += token;
      el.output.append(token); // a text node per token: no re-render of the whole answer
      el.output.scrollIntoView({ block: 'end' });
    }
    const result = await active.stream.result;
    el.transport.textContent = result.transport ?? el.transport.textContent;
    const lost = result.gaps.length ? `(${result.gaps.length} gap(s) in the stream)` : '';
    setStatus(result.reason, lost);
  } catch (err) {
    setStatus(`error: ${err.code ?? 'unknown'}`, err.message);
  } finally {
    // A cancelled or failed answer still joins the conversation with what arrived of it.
    lastTurn = answer ? { user: text, assistant: answer } : null;
    active = null;
    finished();
    setStreaming(false);
    el.prompt.focus();
  }
}

async function loadModels() {
  try {
    const res = await fetch(new URL('models', API));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const ids = ((await res.json()).data ?? []).map((m) => m.id).sort();
    for (const id of ids) el.model.append(new Option(id, id, false, id === 'mock-typewriter'));
    if (!ids.length) setStatus('idle', 'the gateway lists no model');
  } catch (err) {
    setStatus('error: models', `cannot list the models: ${err.message}`);
  }
  setStreaming(false);
}

el.prompt.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    send();
  }
});
$('composer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  send();
});
el.cancel.addEventListener('click', () => active?.stream?.cancel());
el.force.addEventListener('change', () => {
  const old = client;
  client = makeClient();
  el.transport.textContent = '—';
  // A stream in flight finishes on the client that started it.
  if (active?.client === old) active.done.then(() => old.close());
  else old.close();
});
el.newChat.addEventListener('click', () => {
  if (active) return;
  messages.length = 0;
  lastTurn = null;
  el.history.textContent = '';
  el.current.hidden = true;
  el.output.textContent = '';
  setStatus('idle');
});

// For poking at from the console (and for tests): the current client and the conversation.
window.tokenlaneDemo = {
  get client() {
    return client;
  },
  messages,
};

loadModels();

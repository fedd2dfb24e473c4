// Tokenlane demo chat: plain ES module, no build step. Served at /demo/ next to /client/ and /v1/, so every URL
// here is relative to the page and the demo also works when the gateway is mounted under a prefix.
import { TokenlaneClient } from '../client/tokenlane.js';

const API = new URL('../v1/', location.href).href;
// The answer streaming now ({session, streamId, prompt}), kept across a page reload so the page resumes it.
const RELOAD_KEY = 'tokenlane-demo-stream';
// The gateway API key, when the gateway asks for one: this tab's sessionStorage only (gone with the tab), sent in the
// Authorization header of POST sessions and GET models, never in a URL.
const API_KEY = 'tokenlane-demo-api-key';
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
  apiKey: $('api-key'),
  apiKeyField: $('api-key-field'),
};

const messages = []; // the conversation sent with each prompt: committed turns only
let lastTurn = null; // the answer on screen in #current; committed to `messages` when the next prompt is sent
let client = makeClient();
let active = null; // {client, stream, done} while streaming

function makeClient(session) {
  const forced = el.force.value;
  const c = new TokenlaneClient({
    baseUrl: API,
    session,
    transports: forced === 'auto' ? undefined : [forced],
    apiKey: apiKey, // read at each new session: a key typed later is used without a new client
    onTransport: (name) => {
      if (c === client || c === active?.client) el.transport.textContent = name;
    },
  });
  return c;
}

function apiKey() {
  return sessionStorage.getItem(API_KEY) || undefined;
}

/** Shows the API key field (it stays hidden until the gateway asks for a key, or one was typed in this tab). */
function askForApiKey(message) {
  el.apiKeyField.hidden = false;
  setStatus('error: API key', message);
  el.apiKey.focus();
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
  await run(text, client, (c) => c.stream({ model: el.model.value, messages: [...messages, { role: 'user', content: text }] }));
  el.prompt.focus();
}

/** After a reload: the answer that was streaming, from seq 0, so its snapshot shows all of it. */
async function resumeAfterReload() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(RELOAD_KEY));
  } catch {
    // nothing usable saved
  }
  if (!saved?.streamId || !saved.session) return;
  client = makeClient(saved.session);
  await run(saved.prompt ?? '', client, (c) => c.resume(saved.streamId, { lastSeq: 0 }));
}

/** Shows one answer: tokens are appended, a snapshot replaces the text (it holds the whole answer up to its seq). */
async function run(text, c, open) {
  el.current.hidden = false;
  el.currentPrompt.textContent = text;
  el.output.textContent = '';
  setStatus('streaming');
  setStreaming(true);
  let finished;
  active = { client: c, done: new Promise((resolve) => (finished = resolve)) };
  try {
    const stream = (active.stream = open(c));
    for await (const env of stream.events()) {
      if (stream.streamId && !active.saved) {
        active.saved = true;
        sessionStorage.setItem(RELOAD_KEY, JSON.stringify({ session: c.session, streamId: stream.streamId, prompt: text }));
      }
      if (env.type === 'snapshot') el.output.textContent = env.text ?? '';
      else if (env.type === 'token' && env.text) el.output.append(env.text); // a text node per token: no re-render
      else continue;
      el.output.scrollIntoView({ block: 'end' });
    }
    const result = await stream.result;
    el.transport.textContent = result.transport ?? el.transport.textContent;
    const lost = result.gaps.length ? `(${result.gaps.length} gap(s) in the stream)` : '';
    if (result.reason === 'error') setStatus(`error: ${result.code ?? 'unknown'}`, result.message ?? '');
    else setStatus(result.reason, lost);
  } catch (err) {
    if (err.status === 401 && err.code !== 'invalid_token') askForApiKey(`${err.code}: ${err.message}`);
    else setStatus(`error: ${err.code ?? 'unknown'}`, err.message);
  } finally {
    sessionStorage.removeItem(RELOAD_KEY);
    // A cancelled or failed answer still joins the conversation with what arrived of it.
    const answer = active.stream?.text ?? '';
    lastTurn = answer ? { user: text, assistant: answer } : null;
    active = null;
    finished();
    setStreaming(false);
  }
}

async function loadModels() {
  el.model.textContent = '';
  try {
    const key = apiKey();
    const res = await fetch(new URL('models', API), { headers: key ? { authorization: `Bearer ${key}` } : {} });
    if (res.status === 401) {
      askForApiKey('this gateway needs an API key');
      return;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const ids = ((await res.json()).data ?? []).map((m) => m.id).sort();
    for (const id of ids) el.model.append(new Option(id, id, false, id === 'mock-typewriter'));
    if (!ids.length) setStatus('idle', 'the gateway lists no model');
    // The models came once a key was given: the key's error is over (a streaming status stays).
    if (ids.length && !active && el.status.textContent.startsWith('error:')) setStatus('idle');
  } catch (err) {
    setStatus('error: models', `cannot list the models: ${err.message}`);
  } finally {
    setStreaming(Boolean(active)); // an answer resumed after a reload may be streaming already
  }
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
el.apiKey.addEventListener('change', () => {
  const key = el.apiKey.value.trim();
  if (key) sessionStorage.setItem(API_KEY, key);
  else sessionStorage.removeItem(API_KEY);
  if (!active) {
    // A new session with the new key: the old one belongs to the old key.
    client.close();
    client = makeClient();
  }
  loadModels();
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

if (apiKey()) {
  el.apiKeyField.hidden = false;
  el.apiKey.value = apiKey();
}
loadModels();
resumeAfterReload();

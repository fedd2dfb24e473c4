// Tokenlane client: one dependency-free ES module for browsers and Node 20+.
//
// Speaks the Tokenlane streaming protocol v1 (docs/protocol.md): a session (POST sessions), then streams carried by
// WebSocket (one socket per client, multiplexed), Server-Sent Events (read with fetch, not EventSource, so that it
// runs in Node, can be aborted and is parsed here) or long-polling. A stream can move between transports in the
// middle: every event has a seq, the client resumes from the highest seq it processed and drops duplicates, so the
// caller sees every token exactly once. The API is documented in modules/tokenlane-client-js/README.md.

const TRANSPORTS = ['websocket', 'sse', 'long-polling'];
// Reconnects asked by the gateway that skip the backoff; more in a row than this (a balancer that keeps sending the
// client back to a draining member) count as drops.
const MAX_MOVES = 3;
const MOVE_JITTER_MS = 200;
const DEFAULT_RECONNECT = { initialDelayMs: 250, maxDelayMs: 5000, maxAttempts: 8 };
const DEFAULT_HEARTBEAT_MS = 15000;
const SILENCE_FACTOR = 2.5; // a WS/SSE connection silent for 2.5 heartbeats is dead
const SESSION_MARGIN_MS = 10000; // renew a session this long before it expires
const URL_TOKEN_MARGIN_MS = 5_000; // a URL token this close to its expiry is fetched again
const REQUEST_TIMEOUT_MS = 30000; // POST/DELETE requests
const POLL_SLACK_MS = 10000; // a poll answers within waitMs; past waitMs + this the connection is dead
// Events that carry generated content: none reaches the caller after cancel().
const CONTENT_TYPES = new Set(['token', 'reasoning', 'tool_calls', 'snapshot']);

/** Merges OpenAI delta.tool_calls into whole calls by index (id, type, function.name and .arguments). */
function mergeToolCalls(calls, deltas) {
  for (const delta of Array.isArray(deltas) ? deltas : []) {
    if (!delta || typeof delta !== 'object') continue;
    const index = typeof delta.index === 'number' ? delta.index : calls.length;
    let call = calls.find((c) => c.index === index);
    if (!call) {
      call = { index, id: null, type: 'function', function: { name: '', arguments: '' } };
      calls.push(call);
      calls.sort((a, b) => a.index - b.index);
    }
    if (typeof delta.id === 'string') call.id = delta.id;
    if (typeof delta.type === 'string') call.type = delta.type;
    if (typeof delta.function?.name === 'string') call.function.name += delta.function.name;
    if (typeof delta.function?.arguments === 'string') call.function.arguments += delta.function.arguments;
  }
  return calls;
}

export class TokenlaneError extends Error {
  /** code: the gateway's error code (model_not_found...) or connection_failed, client_closed; status: HTTP status. */
  constructor(code, message, { status = null, param = null, cause } = {}) {
    super(message || code, cause === undefined ? undefined : { cause });
    this.name = 'TokenlaneError';
    this.code = code;
    this.status = status;
    this.param = param;
  }
}

// Errors the gateway itself reported (JSON error body, WS error frame): they are answers, not connection trouble.
const SERVER_ERRORS = new WeakSet();
function serverError(code, message, options) {
  const err = new TokenlaneError(code || 'error', message, options);
  SERVER_ERRORS.add(err);
  return err;
}
// Connection trouble: the stream's driver reconnects or falls back. Never surfaced as such to the caller.
function dropError(message, cause) {
  return new TokenlaneError('connection_lost', message, { cause });
}
// The gateway asked to reconnect (its member drains, or has more than its share of connections): at once, through
// the balancer, resuming from the last event.
function movedError(message) {
  return new TokenlaneError('reconnect', message);
}
function closedError() {
  return new TokenlaneError('client_closed', 'the client was closed');
}

/** How the stream driver reacts to an error: fatal (fail the stream), auth, disabled or drop (see #drive). */
function classify(err) {
  if (err instanceof TokenlaneError) {
    if (err.code === 'invalid_token') return 'auth';
    // A refused API key, a model the key may not use, a page origin the gateway refuses, or a proxy's login page:
    // retrying cannot help, so the caller hears it at once.
    if (err.status === 401 || err.status === 403) return 'fatal';
    if (err.code === 'transport_disabled') return 'disabled';
    if (err.code === 'shutting_down') return 'drop'; // this instance is draining: another one will answer
    if (err.code === 'reconnect') return 'moved';
    if (SERVER_ERRORS.has(err)) return 'fatal';
  }
  return 'drop'; // network errors, timeouts, closes, non-JSON error pages from proxies
}

async function responseError(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: an error page from a proxy, or nothing
  }
  const e = body && typeof body.error === 'object' && body.error;
  if (e) return serverError(e.code || e.type, e.message, { status: res.status, param: e.param ?? null });
  return new TokenlaneError(`http_${res.status}`, `HTTP ${res.status} ${res.statusText || ''}`.trim(), { status: res.status });
}

function randomId(prefix) {
  const bytes = new Uint8Array(12);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with jitter: attempt 1 waits about initialDelayMs, doubling up to maxDelayMs. */
function backoff(attempt, { initialDelayMs, maxDelayMs }) {
  const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}

/** Reads a response that the server is about to close to its end, for at most ms. */
async function drain(reader, ms) {
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  const closed = (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
  await Promise.race([closed, timeout]);
  clearTimeout(timer);
}

/** Calls onSilence once kick() has not been called for ms. One lazily re-armed timer: cheap at any kick rate. */
class Watchdog {
  constructor(ms, onSilence) {
    this.ms = ms;
    this.onSilence = onSilence;
    this.last = Date.now();
    this.#arm(ms);
  }
  #arm(delay) {
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.last;
      if (idle >= this.ms) this.onSilence();
      else this.#arm(this.ms - idle);
    }, delay);
  }
  kick() {
    this.last = Date.now();
  }
  stop() {
    clearTimeout(this.timer);
  }
}

/**
 * Incremental text/event-stream parser (the WHATWG "interpret an event stream" rules): lines end with CRLF, LF or
 * CR (also split across chunks), comments are ignored, data lines are joined with LF, the last event id persists
 * across events, an event with no data line is not dispatched. push() returns the events the chunk completed as
 * {event, data, id}; the last valid retry: value is kept in .retry.
 */
class SseParser {
  #buffer = '';
  #skipLf = false; // the previous chunk ended with CR: a leading LF belongs to it
  #first = true;
  #event = '';
  #data = [];
  lastEventId = '';
  retry = null;

  push(chunk) {
    if (!chunk) return [];
    let text = chunk;
    if (this.#first) {
      this.#first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#skipLf && text.charCodeAt(0) === 10) text = text.slice(1);
    this.#skipLf = false;
    const out = [];
    const buf = this.#buffer + text;
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.#line(buf.slice(start, i), out);
      if (c === 13) {
        if (i + 1 === buf.length) this.#skipLf = true;
        else if (buf.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.#buffer = buf.slice(start);
    return out;
  }

  #line(line, out) {
    if (line === '') {
      if (this.#data.length) out.push({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.lastEventId });
      this.#event = '';
      this.#data = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment (the gateway's heartbeat)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id') {
      if (!value.includes('\0')) this.lastEventId = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) this.retry = Number(value);
    }
  }
}
/** Internal, exported for tests only. */
export { SseParser as _SseParser };

/**
 * The client's one WebSocket, shared by all its streams. Streams come and go through follow()/unfollow(); the
 * socket is (re)opened by whichever stream needs it first (open() is shared), and when it drops every stream
 * following it gets the error and resumes on its own (with a `resume` frame on the next socket).
 */
class WebSocketLink {
  #client;
  #WebSocket;
  #socket = null;
  #ready = false;
  #opening = null;
  #followers = new Map(); // TokenStream -> {resolve, reject}
  #byStream = new Map(); // streamId -> TokenStream
  #byRequest = new Map(); // requestId -> TokenStream waiting for its start event
  #watchdog = null;
  #pinger = null;
  #failCurrent = null; // fails the current socket: rejects open() before ready, drops the followers after

  constructor(client, WebSocketImpl) {
    this.#client = client;
    this.#WebSocket = WebSocketImpl;
  }

  /** Resolves once a socket is open and its ready frame arrived. */
  open(session) {
    if (this.#socket && this.#ready) return Promise.resolve();
    if (!this.#opening) {
      // The URL carries a short-lived urlToken (a browser WebSocket cannot send headers), fresh for each connect.
      this.#opening = this.#client._urlToken(session).then((token) => this.#connect(token))
        .finally(() => (this.#opening = null));
    }
    return this.#opening;
  }

  #connect(urlToken) {
    return new Promise((resolve, reject) => {
      const url = this.#client._transportUrl('websocket');
      // The one place a token goes in a URL: the browser's WebSocket API cannot send headers. A short-lived one.
      url.searchParams.set('access_token', urlToken);
      let ws;
      try {
        ws = new this.#WebSocket(url.href);
      } catch (err) {
        reject(dropError(`cannot open WebSocket: ${err.message}`, err));
        return;
      }
      this.#socket = ws;
      this.#ready = false;
      const { readyTimeoutMs } = this.#client._options;
      const readyTimer = setTimeout(() => fail(dropError(`no ready frame within ${readyTimeoutMs} ms`)), readyTimeoutMs);
      const fail = (err) => {
        if (this.#socket !== ws) return; // an old socket: already handled
        clearTimeout(readyTimer);
        this.#failCurrent = null;
        const wasReady = this.#ready;
        this.#teardown();
        if (wasReady) this.#dropAll(err);
        else reject(err);
      };
      ws.onmessage = (ev) => {
        if (this.#socket !== ws) return;
        this.#watchdog?.kick();
        let msg;
        try {
          msg = JSON.parse(typeof ev.data === 'string' ? ev.data : new TextDecoder().decode(ev.data));
        } catch {
          return;
        }
        if (this.#ready) this.#dispatch(msg);
        else if (msg?.type === 'ready') {
          clearTimeout(readyTimer);
          this.#ready = true;
          const heartbeatMs = msg.heartbeatMs || session.heartbeatMs || DEFAULT_HEARTBEAT_MS;
          this.#watchdog = new Watchdog(heartbeatMs * SILENCE_FACTOR, () => fail(dropError('WebSocket silent too long')));
          // The server closes sockets it has not heard from in two heartbeats (4408): say something.
          this.#pinger = setInterval(() => this.trySend({ type: 'ping' }), heartbeatMs);
          this.#client._markWorked('websocket');
          resolve();
        }
      };
      this.#failCurrent = fail;
      ws.onclose = (ev) => fail(closeError(ev.code, ev.reason));
      ws.onerror = () => fail(dropError('WebSocket error'));
    });
  }

  #teardown() {
    const ws = this.#socket;
    this.#socket = null;
    this.#ready = false;
    this.#watchdog?.stop();
    this.#watchdog = null;
    clearInterval(this.#pinger);
    this.#pinger = null;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        // already closed
      }
    }
  }

  #dispatch(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'error') {
      const stream = this.#byStream.get(msg.streamId) ?? this.#byRequest.get(msg.requestId);
      const err = serverError(msg.code, msg.message, { param: msg.param ?? null });
      if (stream) this.#followers.get(stream)?.reject(err);
      return;
    }
    if (msg.streamId == null || typeof msg.seq !== 'number') return; // heartbeat, pong, ready...
    let stream = this.#byStream.get(msg.streamId);
    if (!stream && msg.requestId != null) {
      stream = this.#byRequest.get(msg.requestId);
      if (stream) {
        this.#byRequest.delete(msg.requestId);
        this.#byStream.set(msg.streamId, stream);
      }
    }
    if (!stream) return;
    stream._deliver(msg, 'websocket');
    if (stream._ended) this.#followers.get(stream)?.resolve();
  }

  /** Sends the frames for a stream and resolves at its end; rejects when the socket drops or with an error frame. */
  follow(stream, requestId, frames) {
    return new Promise((resolve, reject) => {
      this.#followers.set(stream, { resolve, reject });
      if (stream.streamId) this.#byStream.set(stream.streamId, stream);
      else this.#byRequest.set(requestId, stream);
      try {
        for (const frame of frames) this.#send(frame);
      } catch (err) {
        reject(dropError(`cannot send on the WebSocket: ${err.message}`, err));
      }
    });
  }

  unfollow(stream) {
    this.#followers.delete(stream);
    for (const map of [this.#byStream, this.#byRequest]) {
      for (const [key, value] of map) if (value === stream) map.delete(key);
    }
  }

  #dropAll(err) {
    const entries = [...this.#followers.values()];
    this.#followers.clear();
    this.#byStream.clear();
    this.#byRequest.clear();
    for (const entry of entries) entry.reject(err);
  }

  #send(frame) {
    if (!this.#ready || this.#socket.readyState !== 1) throw new Error('WebSocket not open');
    this.#socket.send(JSON.stringify(frame));
  }

  trySend(frame) {
    try {
      this.#send(frame);
      return true;
    } catch {
      return false;
    }
  }

  close() {
    this.#failCurrent?.(closedError());
  }
}

function closeError(code, reason) {
  const why = reason ? `: ${reason}` : '';
  if (code === 4401) return new TokenlaneError('invalid_token', `WebSocket closed with 4401${why}`);
  if (code === 1001 && typeof reason === 'string' && reason.startsWith('reconnect:')) {
    return movedError(`WebSocket closed with 1001${why}`);
  }
  return dropError(`WebSocket closed with ${code}${why}`); // 1001 (going away) included: reconnect and resume
}

export class TokenlaneClient {
  /** The session JSON from POST sessions, or null before connect(). */
  session = null;
  /** The transport currently in use (null before the first stream). */
  transport = null;
  /** Transports that failed for this client; skipped for later streams. */
  failedTransports = new Set();

  #options;
  #sessionsUrl;
  #fetchImpl;
  #WebSocket;
  #link = null;
  #renewing = null;
  #worked = new Set(); // transports that reached "working" at least once for this client
  #streams = new Set(); // live TokenStreams
  #life = new AbortController(); // aborted by close()

  constructor(options = {}) {
    if (!options.baseUrl) throw new TypeError('TokenlaneClient: baseUrl is required');
    let base = String(options.baseUrl);
    if (!base.endsWith('/')) base += '/';
    this.baseUrl = new URL(base, globalThis.location?.href).href;
    this.#sessionsUrl = new URL('sessions', this.baseUrl);
    if (options.transports != null) {
      if (!Array.isArray(options.transports) || options.transports.some((t) => !TRANSPORTS.includes(t))) {
        throw new TypeError(`TokenlaneClient: transports must be a subset of ${JSON.stringify(TRANSPORTS)}`);
      }
    }
    this.#options = {
      readyTimeoutMs: 4000,
      pollWaitMs: 25000,
      ...options,
      reconnect: { ...DEFAULT_RECONNECT, ...options.reconnect },
    };
    if (options.apiKey != null && typeof options.apiKey !== 'string' && typeof options.apiKey !== 'function') {
      throw new TypeError('TokenlaneClient: apiKey must be a string or a function returning one');
    }
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (!fetchImpl) throw new TypeError('TokenlaneClient: no fetch available; pass options.fetch');
    this.#fetchImpl = (...args) => fetchImpl(...args); // unbound: window.fetch refuses another `this`
    // WebSocket: null turns the transport off; undefined means the global one (Node 20 has none without a flag).
    this.#WebSocket = (options.WebSocket === undefined ? globalThis.WebSocket : options.WebSocket) ?? null;
    if (options.session) this.session = options.session;
  }

  get _options() {
    return this.#options;
  }

  /** POSTs {baseUrl}sessions unless the current session is still valid; resolves to the session. */
  async connect() {
    this.#checkOpen();
    const s = this.session;
    if (s && !(s.expiresAt && s.expiresAt - SESSION_MARGIN_MS <= Date.now())) return s;
    return this._renewSession(s ? s.token : null);
  }

  /**
   * A URL token of the session (for URLs only: WebSocket, EventSource), fetched again with the session token in a
   * header when the one in hand expires within a few seconds.
   */
  async _urlToken(session) {
    if (session.urlToken && session.urlTokenExpiresAt - URL_TOKEN_MARGIN_MS > Date.now()) return session.urlToken;
    const fresh = await this._request('POST', new URL('sessions/url-token', this.baseUrl), session, {});
    session.urlToken = fresh.urlToken;
    session.urlTokenExpiresAt = fresh.urlTokenExpiresAt;
    return fresh.urlToken;
  }

  /** Replaces the session whose token failed; concurrent callers share one request. */
  _renewSession(failedToken) {
    if (this.session && this.session.token !== failedToken) return Promise.resolve(this.session);
    if (!this.#renewing) this.#renewing = this.#createSession().finally(() => (this.#renewing = null));
    return this.#renewing;
  }

  async #createSession() {
    const { maxAttempts } = this.#options.reconnect;
    const apiKey = await this.#apiKey(); // outside the retries: a failing hook is the caller's error, not the network's
    for (let attempt = 1; ; attempt++) {
      try {
        const session = await this._request('POST', this.#sessionsUrl, apiKey, {});
        if (!session || typeof session.token !== 'string' || !Array.isArray(session.transports)) {
          throw serverError('invalid_response', 'POST sessions answered without a token or transports');
        }
        this.session = session;
        return session;
      } catch (err) {
        if (this.#life.signal.aborted) throw closedError();
        if (classify(err) !== 'drop') throw err;
        if (attempt >= maxAttempts) throw connectionFailed(err);
        await sleep(backoff(attempt, this.#options.reconnect), this.#life.signal);
      }
    }
  }

  /** The gateway API key for POST sessions: options.apiKey, a string or a function (maybe async) returning one. */
  async #apiKey() {
    const { apiKey } = this.#options;
    const key = typeof apiKey === 'function' ? await apiKey() : apiKey;
    if (key != null && typeof key !== 'string') throw new TypeError('TokenlaneClient: apiKey must give a string');
    return key || null;
  }

  /** Starts a stream: request = {model, messages, params, requestId}; options = {signal}. */
  stream(request, { signal } = {}) {
    this.#checkOpen();
    if (!request || !request.model) throw new TypeError('stream: request.model is required');
    const prompt = {
      requestId: request.requestId ?? randomId('r-'),
      model: request.model,
      messages: request.messages,
      params: request.params,
    };
    return new TokenStream(this, { prompt, signal });
  }

  /**
   * Follows an existing stream of this client's session from after lastSeq. text: the answer's text the caller
   * already has up to lastSeq, so that after a snapshot the text iterator yields only what is new.
   */
  resume(streamId, { lastSeq = 0, text = '', signal } = {}) {
    this.#checkOpen();
    if (!streamId) throw new TypeError('resume: streamId is required');
    if (typeof text !== 'string') throw new TypeError('resume: text must be a string');
    return new TokenStream(this, { streamId, lastSeq, text, signal });
  }

  /** Closes the socket and aborts polls and SSE reads. Streams are detached on the server, not cancelled. */
  close() {
    if (this.#life.signal.aborted) return;
    this.#life.abort(closedError());
    this.#link?.close();
    for (const stream of [...this.#streams]) stream._fail(closedError());
  }

  #checkOpen() {
    if (this.#life.signal.aborted) throw closedError();
  }

  // ---- internals used by TokenStream --------------------------------------------------------------------------

  get _signal() {
    return this.#life.signal;
  }

  _register(stream) {
    this.#streams.add(stream);
  }

  _forget(stream) {
    this.#streams.delete(stream);
  }

  _link() {
    if (!this.#link) this.#link = new WebSocketLink(this, this.#WebSocket);
    return this.#link;
  }

  /** The caller's preference intersected with the server's list (server order when no preference). */
  _transportOrder() {
    const offered = (this.session?.transports ?? []).map((t) => t.name).filter((n) => TRANSPORTS.includes(n));
    const wanted = this.#options.transports ? this.#options.transports.filter((n) => offered.includes(n)) : offered;
    return wanted.filter((n) => n !== 'websocket' || this.#WebSocket);
  }

  /** Keeps `current` while it is usable, else the first transport that has not failed. */
  _pickTransport(current) {
    const order = this._transportOrder();
    if (current && order.includes(current) && !this.failedTransports.has(current)) return current;
    const next = order.find((n) => !this.failedTransports.has(n));
    if (next || current || !order.length) return next ?? null;
    // A new stream and every transport failed (e.g. the gateway was down for a while): start over rather than
    // leave this client unusable for good.
    this.failedTransports.clear();
    return order[0];
  }

  _transportFailed(name) {
    this.failedTransports.add(name);
  }

  _markWorked(name) {
    this.#worked.add(name);
  }

  _hasWorked(name) {
    return this.#worked.has(name);
  }

  _useTransport(name, info) {
    if (this.transport === name) return;
    const from = this.transport;
    this.transport = name;
    try {
      this.#options.onTransport?.(name, { ...info, from });
    } catch {
      // a listener's bug must not break the stream
    }
  }

  /** Resolves a transport's URL (relative to the sessions URL); WebSocket gets the ws:/wss: scheme. */
  _transportUrl(name) {
    const entry = this.session?.transports?.find((t) => t.name === name);
    const url = new URL(entry?.url ?? (name === 'websocket' ? 'ws' : 'streams'), this.#sessionsUrl);
    if (name === 'websocket') {
      if (url.protocol === 'http:') url.protocol = 'ws:';
      else if (url.protocol === 'https:') url.protocol = 'wss:';
    }
    return url;
  }

  /** {transport url}/{id}[/suffix] for the sse or long-polling transport (both `streams` on the gateway). */
  _streamUrl(name, streamId, suffix = '') {
    const base = this._transportUrl(name).href.replace(/\/+$/, '') + '/';
    return new URL(encodeURIComponent(streamId) + (suffix ? '/' + suffix : ''), base);
  }

  /** A controller aborted by close(); abort it when done so that its listener goes away. */
  _controller() {
    const ctrl = new AbortController();
    const life = this.#life.signal;
    if (life.aborted) {
      ctrl.abort(life.reason);
      return ctrl;
    }
    const onClose = () => ctrl.abort(life.reason);
    life.addEventListener('abort', onClose, { once: true });
    ctrl.signal.addEventListener('abort', () => life.removeEventListener('abort', onClose), { once: true });
    return ctrl;
  }

  _fetch(url, init) {
    return this.#fetchImpl(url instanceof URL ? url.href : url, init);
  }

  /**
   * A JSON request, with Authorization: Bearer token when a token (session token or API key) is given; throws
   * TokenlaneError with the gateway's code on an error status.
   */
  async _request(method, url, token, body) {
    const ctrl = this._controller();
    const timer = setTimeout(() => ctrl.abort(dropError(`${method} ${url} timed out`)), REQUEST_TIMEOUT_MS);
    try {
      const headers = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await this._fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctrl.signal,
        cache: 'no-store',
      });
      if (!res.ok) throw await responseError(res);
      return res.status === 204 ? null : await res.json();
    } catch (err) {
      throw ctrl.signal.aborted && ctrl.signal.reason instanceof TokenlaneError ? ctrl.signal.reason : err;
    } finally {
      clearTimeout(timer);
      ctrl.abort();
    }
  }
}

function connectionFailed(cause) {
  const why = cause?.message ? `: ${cause.message}` : '';
  return new TokenlaneError('connection_failed', `could not reach the gateway${why}`, { cause });
}

/**
 * One stream: async-iterable over token texts, events() over raw envelopes, result a promise of the summary.
 * Created by client.stream() or client.resume(), never directly.
 */
export class TokenStream {
  streamId = null;
  transport = null;
  lastSeq = 0;
  result;

  #client;
  #prompt; // null for resume()
  #signal;
  #onAbort = null;
  #queue = [];
  #head = 0;
  #waiter = null;
  #done = false;
  #failure = null;
  #resolve;
  #reject;
  #text = '';
  #reasoning = '';
  #toolCalls = [];
  #usage = null;
  #snapshotAdds = new WeakMap(); // snapshot envelope -> the text it adds to what the stream had (for the iterator)
  #gaps = [];
  #restarts = 0;
  #events = [];
  #via = null; // transport that delivered the last event
  #detach = null; // aborts the current SSE read or poll
  #cancelRequested = false;
  #promptSent = false;
  #deleting = false;

  constructor(client, { prompt = null, streamId = null, lastSeq = 0, text = '', signal } = {}) {
    this.#client = client;
    this.#prompt = prompt;
    this.streamId = streamId;
    this.lastSeq = lastSeq;
    this.#text = text;
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.result.catch(() => {}); // a caller that only iterates must not get an unhandled rejection
    client._register(this);
    this.#signal = signal;
    if (signal) {
      this.#onAbort = () => this.cancel();
      if (signal.aborted) queueMicrotask(this.#onAbort);
      else signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#drive();
  }

  get _ended() {
    return this.#done;
  }

  /** The whole answer's text so far: a snapshot replaces it, tokens extend it. */
  get text() {
    return this.#text;
  }

  /** The model's reasoning ("thinking") so far, apart from the answer: reasoning events extend it, a snapshot replaces it. */
  get reasoning() {
    return this.#reasoning;
  }

  /** How many times the answer started over (a restart event: its gateway member was lost and another ran the prompt again). */
  get restarts() {
    return this.#restarts;
  }

  /** The tool calls so far, merged from their deltas by index: [{index, id, type, function: {name, arguments}}]. */
  get toolCalls() {
    return this.#toolCalls.map((call) => ({ ...call, function: { ...call.function } }));
  }

  /**
   * Asks the server to cancel; resolves once the end arrived (or the stream failed). signal.abort() does this.
   * From the call on, no token or tool call reaches the caller: the loops skip the ones not read yet, and the ones
   * that arrive later (generated before the server saw the cancel) are discarded.
   */
  cancel() {
    if (!this.#cancelRequested) {
      this.#cancelRequested = true;
      this.#sendCancel(); // nothing to send once the end has arrived, but the loops still stop handing out content
    }
    return this.result.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Raw envelopes (start, token, reasoning, tool_calls, usage, snapshot, reset, end). On a snapshot, replace what you
   * show with its text, reasoning and tool calls. Leaving the loop early cancels the stream.
   */
  async *events() {
    try {
      for (;;) {
        while (this.#head === this.#queue.length) {
          if (this.#done) {
            if (this.#failure) throw this.#failure;
            return;
          }
          await new Promise((resolve) => (this.#waiter = resolve));
        }
        const env = this.#queue[this.#head];
        this.#queue[this.#head++] = undefined;
        if (CONTENT_TYPES.has(env.type) && this.#stopped()) continue;
        yield env;
      }
    } finally {
      if (!this.#done) this.cancel();
    }
  }

  /** Whether the caller asked for no more content: cancel(), or its signal aborted (also after the end arrived). */
  #stopped() {
    return this.#cancelRequested || this.#signal?.aborted === true;
  }

  /**
   * Token texts; throws TokenlaneError after an end with reason error, a refused start or a lost connection. A
   * snapshot yields the text it adds to what the stream had (text cannot be taken back): all of it after
   * resume(id) from 0. When a snapshot does not extend the stream's text, it yields nothing and stream.text holds
   * the answer.
   */
  async *[Symbol.asyncIterator]() {
    for await (const env of this.events()) {
      if (env.type === 'token' && env.text) yield env.text;
      else if (env.type === 'snapshot' && this.#snapshotAdds.get(env)) yield this.#snapshotAdds.get(env);
      else if (env.type === 'end' && env.reason === 'error') {
        throw new TokenlaneError(env.code || 'error', env.message || 'the stream ended with an error');
      }
    }
  }

  // ---- event intake ---------------------------------------------------------------------------------------

  /** Every transport hands its envelopes here: dedupe by seq, record, queue. */
  _deliver(env, via) {
    if (this.#done || !env || typeof env.seq !== 'number') return;
    if (this.streamId && env.streamId && env.streamId !== this.streamId) return;
    if (env.seq <= this.lastSeq) return; // already processed: at-least-once delivery becomes exactly-once
    if (env.type === 'reset') {
      this.#gaps.push({ missedFrom: env.missedFrom, resumeFrom: env.resumeFrom });
    } else if (env.type !== 'snapshot' && env.seq !== this.lastSeq + 1) {
      // The protocol never skips silently (a reset announces gaps); report one anyway rather than hide it.
      this.#gaps.push({ missedFrom: this.lastSeq + 1, resumeFrom: env.seq });
    }
    this.lastSeq = env.seq;
    this.#via = via;
    const summary = { seq: env.seq, type: env.type };
    if (this.#cancelRequested && CONTENT_TYPES.has(env.type)) {
      // Generated before the server saw the cancel, so it precedes the end; but the caller asked for no more.
      summary.discarded = true;
      this.#events.push(summary);
      return;
    }
    if (env.type === 'token') {
      this.#text += env.text ?? '';
      summary.text = env.text ?? '';
    } else if (env.type === 'reasoning') {
      this.#reasoning += env.text ?? '';
    } else if (env.type === 'snapshot') {
      // Everything up to its seq, folded: it replaces what the stream had rather than adding to it.
      const text = env.text ?? '';
      this.#snapshotAdds.set(env, text.startsWith(this.#text) ? text.slice(this.#text.length) : '');
      this.#text = text;
      this.#reasoning = env.reasoning ?? '';
      this.#toolCalls = mergeToolCalls([], env.toolCalls);
      this.#usage = env.usage ? { ...env.usage } : null;
      summary.text = text;
    } else if (env.type === 'restart') {
      // The gateway member that ran the generation was lost and another ran the prompt again: the answer starts over.
      this.#text = '';
      this.#reasoning = '';
      this.#toolCalls = [];
      this.#usage = null;
      this.#restarts++;
      summary.reason = env.reason;
    } else if (env.type === 'tool_calls') {
      mergeToolCalls(this.#toolCalls, env.toolCalls);
    } else if (env.type === 'usage') {
      this.#usage = { promptTokens: env.promptTokens, completionTokens: env.completionTokens, totalTokens: env.totalTokens };
    } else if (env.type === 'end') {
      summary.reason = env.reason;
    }
    this.#events.push(summary);
    this.#queue.push(env);
    if (!this.streamId && env.streamId) this.#started(env.streamId);
    if (env.type === 'end') this.#finish(env);
    this.#wake();
  }

  #started(streamId) {
    if (!this.streamId) this.streamId = streamId;
    if (this.#cancelRequested) this.#sendCancel();
  }

  #wake() {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  #settle() {
    this.#done = true;
    this.#client._forget(this);
    if (this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort);
    this.#wake();
  }

  #finish(end) {
    this.#settle();
    this.#resolve({
      streamId: this.streamId,
      text: this.#text,
      reasoning: this.#reasoning,
      toolCalls: this.toolCalls,
      reason: end.reason,
      code: end.code ?? null,
      message: end.message ?? null,
      usage: this.#usage,
      transport: this.#via ?? this.transport,
      gaps: this.#gaps,
      restarts: this.#restarts,
      events: this.#events,
    });
  }

  _fail(err) {
    if (this.#done) return;
    this.#failure = err;
    this.#settle();
    this.#detach?.(); // an end arrives through the attachment itself, which then stops; a failure cuts it
    this.#reject(err);
  }

  // ---- cancel -----------------------------------------------------------------------------------------------

  /** Best effort now; every (re)attachment sends it again while the end has not arrived. */
  #sendCancel() {
    if (this.#done || !this.#cancelRequested) return;
    if (!this.streamId) {
      // Nothing sent yet: end here. Otherwise the cancel goes out when the start event names the stream.
      if (!this.#promptSent) this.#endLocally();
      return;
    }
    if (this.transport === 'websocket') {
      this.#client._link().trySend({ type: 'cancel', streamId: this.streamId });
    } else if (this.transport && !this.#deleting) {
      this.#deleting = true;
      this.#deleteStream().finally(() => (this.#deleting = false));
    }
  }

  async #deleteStream() {
    const client = this.#client;
    const { maxAttempts } = client._options.reconnect;
    for (let attempt = 1; attempt <= maxAttempts && !this.#done; attempt++) {
      try {
        await client._request('DELETE', client._streamUrl(this.transport, this.streamId), (await client.connect()).token);
        return; // the end is now in the stream: the SSE read or the poll brings it
      } catch (err) {
        if (classify(err) === 'fatal' || client._signal.aborted) return;
        try {
          await sleep(backoff(attempt, client._options.reconnect), client._signal);
        } catch {
          return;
        }
      }
    }
  }

  #endLocally() {
    this.#promptSent = true; // never send it now
    this._deliver({ streamId: null, seq: this.lastSeq + 1, type: 'end', reason: 'cancelled', code: 'cancelled_by_client', message: 'cancelled before the prompt was sent' }, null);
  }

  // ---- the driver -------------------------------------------------------------------------------------------

  /**
   * Attaches the stream to a transport until its end arrives. A transport that fails before it ever worked for
   * this client (or that the server disabled) is marked failed and the next one continues the stream at once;
   * a working one that drops is retried with backoff, and after maxAttempts failures in a row the next transport
   * takes over. No transport left: connection_failed.
   */
  async #drive() {
    const client = this.#client;
    const { maxAttempts } = client._options.reconnect;
    let attempts = 0;
    let moves = 0;
    let authRetried = false;
    let reason = 'initial';
    let lastError = null;
    try {
      while (!this.#done) {
        const session = await client.connect();
        if (this.#done) return;
        const name = client._pickTransport(this.transport);
        if (!name) {
          const why = client._transportOrder().length ? '' : ' (none offered is usable here)';
          throw connectionFailed(lastError ?? new Error(`no transport left${why}`));
        }
        if (name !== this.transport) {
          const from = this.transport;
          this.transport = name;
          attempts = 0;
          // A new stream taking another transport than the client's current one does so because that one failed.
          client._useTransport(name, { reason: from ? reason : client.transport ? 'fallback' : 'initial' });
        }
        try {
          await this.#attach(name, session, () => {
            attempts = 0;
            moves = 0;
            authRetried = false;
          });
        } catch (err) {
          if (this.#done) return;
          lastError = err;
          const kind = classify(err);
          if (kind === 'fatal') throw err;
          if (kind === 'moved' && moves < MAX_MOVES) {
            // Not a failure: reconnect at once (a little jitter spreads a drained member's clients).
            moves++;
            await sleep(Math.random() * MOVE_JITTER_MS, client._signal);
            continue;
          }
          if (kind === 'auth') {
            if (authRetried) throw err;
            authRetried = true;
            await client._renewSession(session.token);
            continue;
          }
          if (kind === 'disabled' || !client._hasWorked(name)) {
            client._transportFailed(name);
            reason = 'fallback';
            continue;
          }
          if (++attempts >= maxAttempts) {
            client._transportFailed(name);
            reason = 'reconnect-failed';
            continue;
          }
          await sleep(backoff(attempts, client._options.reconnect), client._signal);
        }
      }
    } catch (err) {
      this._fail(client._signal.aborted ? closedError() : err);
    }
  }

  async #attach(name, session, onWorking) {
    if (name === 'websocket') return this.#attachWebSocket(session, onWorking);
    await this.#ensureStarted(session);
    if (this.#done) return;
    if (name === 'sse') return this.#attachSse(session, onWorking);
    return this.#attachPoll(session, onWorking);
  }

  /** HTTP transports start the stream with POST streams (idempotent thanks to the requestId). */
  async #ensureStarted(session) {
    if (this.streamId) return;
    if (this.#cancelRequested && !this.#promptSent) return this.#endLocally();
    this.#promptSent = true;
    const answer = await this.#client._request('POST', this.#client._transportUrl(this.transport), session.token, this.#prompt);
    if (!answer?.streamId) throw serverError('invalid_response', 'POST streams answered without a streamId');
    this.#started(answer.streamId);
  }

  async #attachWebSocket(session, onWorking) {
    const link = this.#client._link();
    await link.open(session);
    onWorking();
    if (this.#done) return;
    const frames = [];
    if (this.streamId) {
      frames.push({ type: 'resume', streamId: this.streamId, lastSeq: this.lastSeq });
      if (this.#cancelRequested) frames.push({ type: 'cancel', streamId: this.streamId });
    } else {
      if (this.#cancelRequested && !this.#promptSent) return this.#endLocally();
      this.#promptSent = true;
      frames.push({ type: 'prompt', ...this.#prompt });
    }
    try {
      await link.follow(this, this.#prompt?.requestId, frames);
    } finally {
      link.unfollow(this);
    }
  }

  async #attachSse(session, onWorking) {
    const client = this.#client;
    const { readyTimeoutMs } = client._options;
    const url = client._streamUrl('sse', this.streamId, 'events');
    url.searchParams.set('lastSeq', String(this.lastSeq));
    const ctrl = client._controller();
    this.#detach = () => ctrl.abort();
    // Covers the response headers and the ready event: a buffering proxy holds both back.
    let watchdog = new Watchdog(readyTimeoutMs, () => ctrl.abort(dropError(`no SSE ready event within ${readyTimeoutMs} ms`)));
    try {
      // The token in a header, never in the URL, where logs and proxies would keep it.
      const headers = { accept: 'text/event-stream', authorization: `Bearer ${session.token}` };
      const res = await client._fetch(url, { headers, cache: 'no-store', signal: ctrl.signal });
      if (res.status !== 200 || !res.body) throw await responseError(res);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      let ready = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw dropError('the SSE response ended before the stream did');
        if (ready) watchdog.kick();
        for (const ev of parser.push(decoder.decode(value, { stream: true }))) {
          if (ev.event === 'ready') {
            if (ready) continue;
            ready = true;
            watchdog.stop();
            const silence = (session.heartbeatMs || DEFAULT_HEARTBEAT_MS) * SILENCE_FACTOR;
            watchdog = new Watchdog(silence, () => ctrl.abort(dropError('SSE connection silent too long')));
            client._markWorked('sse');
            onWorking();
            if (this.#cancelRequested) this.#sendCancel();
          } else if (ev.event === 'reconnect') {
            throw movedError(`the gateway asked to reconnect: ${ev.data}`);
          } else if (ev.event === 'message') {
            let env;
            try {
              env = JSON.parse(ev.data);
            } catch {
              continue;
            }
            this._deliver(env, 'sse');
            if (this.#done) {
              // The server closes the response right after the end: let it, rather than abort a request that a
              // browser would then log as failed. Abort only if it lingers.
              watchdog.stop();
              await drain(reader, 1000);
              return;
            }
          }
        }
      }
    } catch (err) {
      if (this.#done) return;
      throw ctrl.signal.aborted && ctrl.signal.reason instanceof TokenlaneError ? ctrl.signal.reason : err;
    } finally {
      watchdog.stop();
      this.#detach = null;
      ctrl.abort();
    }
  }

  async #attachPoll(session, onWorking) {
    const client = this.#client;
    const { pollWaitMs } = client._options;
    if (this.#cancelRequested) this.#sendCancel();
    while (!this.#done) {
      const url = client._streamUrl('long-polling', this.streamId, 'poll');
      url.searchParams.set('after', String(this.lastSeq));
      url.searchParams.set('waitMs', String(pollWaitMs));
      const ctrl = client._controller();
      this.#detach = () => ctrl.abort();
      const timer = setTimeout(() => ctrl.abort(dropError('poll timed out')), pollWaitMs + POLL_SLACK_MS);
      let answer;
      try {
        const headers = { accept: 'application/json', authorization: `Bearer ${session.token}` };
        const res = await client._fetch(url, { headers, cache: 'no-store', signal: ctrl.signal });
        if (!res.ok) throw await responseError(res);
        answer = await res.json();
      } catch (err) {
        if (this.#done) return;
        throw ctrl.signal.aborted && ctrl.signal.reason instanceof TokenlaneError ? ctrl.signal.reason : err;
      } finally {
        clearTimeout(timer);
        this.#detach = null;
        ctrl.abort();
      }
      client._markWorked('long-polling');
      onWorking();
      for (const env of answer?.events ?? []) this._deliver(env, 'long-polling');
      if (answer?.ended && !this.#done) {
        throw serverError('invalid_response', 'the poll says the stream ended but its end event never arrived');
      }
      // The next cursor is our lastSeq, which equals answer.nextCursor unless events were duplicates.
    }
  }
}

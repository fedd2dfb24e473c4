// Drives a running gateway with the Tokenlane JS client (src/main/js/tokenlane.js), for the Java integration tests.
//
// Usage: node [--experimental-websocket] client-check.mjs SCENARIO BASE_URL [MODEL]
//   BASE_URL is the API root, e.g. http://localhost:8080/v1/
//   SCENARIO: stream-websocket | stream-sse | stream-long-polling | auto | abort | abort-in-flight | abort-burst |
//             follow-up | resume | snapshot | moved-websocket | moved-sse | restarted-websocket |
//             auth-headers | auth-refused | reasoning
//   MODEL defaults to mock-fast for stream-* and auto, mock-typewriter for the others (snapshot: mock-compact, on a
//   gateway with a small replay buffer).
// Prints ONE JSON line on stdout: {"ok":true,"scenario":...,...} and exits 0 when every check passed, else
// {"ok":false,"error":"..."} and exits 1 (2 for bad usage or the overall timeout, CLIENT_CHECK_TIMEOUT_MS).
// Without --experimental-websocket Node 20 has no WebSocket: stream-websocket and follow-up fail, abort and
// resume cover the HTTP transports only (the JSON says "websocketAvailable": false).
import http from 'node:http';
import net from 'node:net';
import { TokenlaneClient, TokenlaneError } from '../../main/js/tokenlane.js';

const [scenario, baseUrl, modelArg] = process.argv.slice(2);
const TIMEOUT_MS = Number(process.env.CLIENT_CHECK_TIMEOUT_MS || 120000);
const websocketAvailable = typeof globalThis.WebSocket === 'function';
const available = ['websocket', 'sse', 'long-polling'].filter((t) => t !== 'websocket' || websocketAvailable);
const messages = [{ role: 'user', content: 'Tell me about streaming gateways.' }];
const NORMAL_ENDS = ['stop', 'length', 'tool_calls', 'content_filter'];

class CheckFailed extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}
function requireTransport(transport) {
  expect(available.includes(transport), `${transport} is not available here (WebSocket needs node --experimental-websocket)`);
}

/** Reads a stream's raw events to its end and checks: seq gap-free from firstSeq, exactly one end, nothing after. */
async function collect(stream, { firstSeq = 1, label = 'stream' } = {}) {
  const seqs = [];
  let text = '';
  let ends = 0;
  let afterEnd = 0;
  for await (const ev of stream.events()) {
    if (ends) afterEnd++;
    seqs.push(ev.seq);
    if (ev.type === 'token') text += ev.text;
    if (ev.type === 'end') ends++;
  }
  const result = await stream.result;
  expect(ends === 1, `${label}: ${ends} end events`);
  expect(afterEnd === 0, `${label}: ${afterEnd} events after the end`);
  const gap = seqs.findIndex((seq, i) => seq !== firstSeq + i);
  expect(gap < 0, `${label}: seq ${seqs[gap]} at position ${gap}, expected ${firstSeq + gap}`);
  expect(result.gaps.length === 0, `${label}: gaps ${JSON.stringify(result.gaps)}`);
  expect(result.text === text, `${label}: result.text differs from the text of the events`);
  expect(result.events.at(-1)?.type === 'end', `${label}: result.events does not close with the end`);
  return {
    streamId: result.streamId,
    text,
    seqs,
    reason: result.reason,
    code: result.code,
    message: result.message,
    usage: result.usage,
    transport: result.transport,
  };
}

/**
 * Per transport: aborts the AbortSignal in the loop body at the 3rd token, then checks that no token reached the
 * loop after that, the loop ended normally, the end came last with seqs gap-free, and the result holds exactly the
 * tokens received up to the abort: every later one is in result.events as discarded, not in result.text. A running
 * stream must end cancelled_by_client; a stream that had already ended keeps its own end.
 *   model: a new stream of this model; or session + resume: read that ended stream again from seq 0.
 *   holdCancel: the cancel waits until a token after the abort point has arrived (see 'abort-in-flight').
 */
async function abortRuns({ model, session, resume, holdCancel = false }) {
  const runs = {};
  for (const transport of available) {
    const hold = holdCancel ? cancelHold() : null;
    const c = client({ transports: [transport], session, ...hold?.options });
    try {
      const controller = new AbortController();
      const stream = resume
        ? c.resume(resume, { lastSeq: 0, signal: controller.signal })
        : c.stream({ model, messages }, { signal: controller.signal });
      let text = '';
      let tokens = 0;
      let seqAtAbort = 0;
      for await (const t of stream) {
        text += t;
        if (++tokens === 3) {
          seqAtAbort = stream.lastSeq;
          hold?.holdUntilTokenAfter(seqAtAbort);
          controller.abort();
        }
      }
      const result = await stream.result;
      expect(tokens >= 3, `${transport}: only ${tokens} tokens before the end`);
      expect(tokens === 3, `${transport}: ${tokens - 3} tokens reached the loop after the abort`);
      if (!resume) {
        expect(result.reason === 'cancelled', `${transport}: end reason ${result.reason} (${result.code})`);
        expect(result.code === 'cancelled_by_client', `${transport}: end code ${result.code}`);
      }
      expect(result.transport === transport, `${transport}: result.transport ${result.transport}`);
      const seqs = result.events.map((e) => e.seq);
      expect(seqs.every((seq, i) => seq === i + 1), `${transport}: seqs not gap-free: ${seqs}`);
      const endAt = result.events.findIndex((e) => e.type === 'end');
      expect(endAt === result.events.length - 1, `${transport}: events after the end`);
      const kept = result.events.filter((e) => e.type === 'token' && !e.discarded);
      const late = kept.filter((e) => e.seq > seqAtAbort).map((e) => e.seq);
      expect(late.length === 0, `${transport}: tokens ${late} arrived after the abort but are in the result`);
      const discarded = result.events.filter((e) => e.discarded);
      expect(discarded.every((e) => e.seq > seqAtAbort && (e.type === 'token' || e.type === 'tool_calls')),
        `${transport}: discarded ${JSON.stringify(discarded)}, abort at seq ${seqAtAbort}`);
      expect(result.text === kept.map((e) => e.text).join(''), `${transport}: result.text is not the text of its tokens`);
      expect(result.text.startsWith(text), `${transport}: the loop read text that result.text lacks`);
      if (hold) expect(discarded.length > 0, `${transport}: the cancel was held back, yet no token was discarded`);
      runs[transport] = {
        streamId: result.streamId,
        tokens,
        seqAtAbort,
        discarded: discarded.length,
        reason: result.reason,
        code: result.code,
        text,
        lastSeq: stream.lastSeq,
      };
    } finally {
      c.close();
    }
  }
  return { websocketAvailable, transports: available, runs };
}

/**
 * Client options (fetch, WebSocket) that hold the client's cancel back (a DELETE request, a WebSocket cancel frame)
 * from holdUntilTokenAfter(seq) until a token with a higher seq has arrived on any transport, so that tokens
 * certainly arrive between the abort and the end. The gateway and the wire are untouched.
 */
function cancelHold() {
  let after = Infinity;
  let release;
  const released = new Promise((resolve) => (release = resolve));
  const saw = (env) => {
    if (env?.type === 'token' && env.seq > after) release();
  };
  const sawText = (text) => {
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ')) continue;
      try {
        saw(JSON.parse(line.slice(6)));
      } catch {
        // a ready event or a partial line: not a token
      }
    }
  };
  async function fetchHolding(url, init = {}) {
    if ((init.method ?? 'GET') === 'DELETE') await released;
    const res = await fetch(url, init);
    const path = new URL(url).pathname;
    if (res.ok && path.endsWith('/poll')) {
      res.clone().json().then((answer) => answer.events?.forEach(saw), () => {});
    } else if (res.ok && path.endsWith('/events') && res.body) {
      const [mine, theirs] = res.body.tee();
      (async () => {
        const decoder = new TextDecoder();
        let pending = '';
        for await (const chunk of mine) {
          pending += decoder.decode(chunk, { stream: true });
          const cut = pending.lastIndexOf('\n');
          sawText(pending.slice(0, cut + 1));
          pending = pending.slice(cut + 1);
        }
      })().catch(() => {});
      return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  }
  const options = { fetch: fetchHolding };
  if (websocketAvailable) {
    options.WebSocket = class extends globalThis.WebSocket {
      constructor(...args) {
        super(...args);
        // Registered before the client's onmessage: a token releases the cancel before the client reads it.
        this.addEventListener('message', (ev) => {
          try {
            saw(JSON.parse(ev.data));
          } catch {
            // not JSON: the client will complain
          }
        });
      }
      send(data) {
        if (typeof data === 'string' && data.includes('"type":"cancel"')) released.then(() => super.send(data));
        else super.send(data);
      }
    };
  }
  return {
    options,
    holdUntilTokenAfter(seq) {
      after = seq;
    },
  };
}

/**
 * A recording proxy on loopback in front of the gateway: every request (method, path with query, authorization) and
 * every WebSocket upgrade is recorded as it went over the wire, then forwarded untouched (event streams unbuffered).
 */
async function recordingProxy(target) {
  const upstream = new URL(target);
  const seen = [];
  const record = (req) => seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null,
    upgrade: (req.headers.upgrade ?? '').toLowerCase() === 'websocket' });
  const server = http.createServer((req, res) => {
    record(req);
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
      headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      res.flushHeaders();
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  server.on('upgrade', (req, socket, head) => {
    record(req);
    const out = net.connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      out.write(lines.join('\r\n') + '\r\n\r\n');
      if (head?.length) out.write(head);
      out.pipe(socket);
      socket.pipe(out);
    });
    const close = () => {
      out.destroy();
      socket.destroy();
    };
    out.on('error', close);
    socket.on('error', close);
    out.on('close', close);
    socket.on('close', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = new URL(target);
  base.host = `127.0.0.1:${server.address().port}`;
  return {
    baseUrl: base.href,
    seen,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A stand-in gateway on loopback that answers every request with what answer(req, count) returns ({status, body,
 * json}), counting requests by "METHOD path": for the errors a gateway with API keys gives.
 */
async function fakeGateway(answer) {
  const counts = {};
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${new URL(req.url, 'http://x').pathname}`;
    counts[key] = (counts[key] ?? 0) + 1;
    req.resume();
    req.on('end', () => {
      const { status, json, body } = answer(req, key);
      res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/html' });
      res.end(json ? JSON.stringify(json) : body ?? '');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${server.address().port}/v1/`,
    counts,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

function gatewayError(status, code, message) {
  return { status, json: { error: { message, type: status === 401 ? 'authentication_error' : 'permission_error', param: null, code } } };
}

/** Runs a stream that must fail: the TokenlaneError it failed with. */
async function failure(stream) {
  try {
    for await (const _ of stream); // eslint-disable-line no-unused-vars
  } catch (err) {
    expect(err instanceof TokenlaneError, `failed with ${err?.stack ?? err}, not a TokenlaneError`);
    const viaResult = await stream.result.then(() => null, (e) => e);
    expect(viaResult === err, 'the loop and the result failed differently');
    return err;
  }
  throw new CheckFailed('the stream did not fail');
}

function client(options) {
  const changes = [];
  const c = new TokenlaneClient({
    baseUrl,
    ...options,
    onTransport: (name, info) => changes.push({ name, ...info }),
  });
  c.changes = changes;
  return c;
}

async function forced(transport) {
  requireTransport(transport);
  const c = client({ transports: [transport] });
  try {
    const stream = c.stream({ model: modelArg ?? 'mock-fast', messages });
    const r = await collect(stream);
    expect(r.reason === 'stop', `end reason ${r.reason} (${r.code}: ${r.message})`);
    expect(r.transport === transport, `result.transport ${r.transport}`);
    expect(stream.transport === transport && c.transport === transport, `stream/client transport ${stream.transport}/${c.transport}`);
    expect(c.failedTransports.size === 0, `failed transports ${[...c.failedTransports]}`);
    expect(r.text.length > 0, 'no text');
    return { transport, ...r, transportChanges: c.changes };
  } finally {
    c.close();
  }
}

/**
 * One paced stream on a forced transport while the Java test drains the member that holds the connection: the
 * client follows the reconnect hint at once and resumes through the balancer, on the same transport, whole.
 */
async function moved(transport) {
  requireTransport(transport);
  let connections = 0;
  const Counting = class extends (globalThis.WebSocket ?? Object) {
    constructor(...args) {
      super(...args);
      connections++;
    }
  };
  const countingFetch = (url, init) => {
    if (String(url).includes('/events')) connections++;
    return fetch(url, init);
  };
  const c = client({ transports: [transport], WebSocket: Counting, fetch: countingFetch });
  try {
    const r = await collect(c.stream({ model: modelArg ?? 'mock-typewriter', messages }));
    expect(r.reason === 'stop', `end reason ${r.reason} (${r.code}: ${r.message})`);
    expect(r.transport === transport, `result.transport ${r.transport}`);
    expect(c.failedTransports.size === 0, `failed transports ${[...c.failedTransports]}`);
    return { transport, connections, ...r, transportChanges: c.changes };
  } finally {
    c.close();
  }
}

/**
 * The test kills the gateway member that runs the stream mid-answer; with cluster.reissue another member runs the
 * prompt again. The client reconnects (through the balancer) and resumes, gets the restart, and the answer it holds
 * is the new one only: result.text is exactly the tokens after the restart, one restart counted, no gap reported.
 */
async function restarted(transport) {
  requireTransport(transport);
  const c = client({ transports: [transport] });
  try {
    const stream = c.stream({ model: modelArg ?? 'fake', messages });
    const types = [];
    let restarted = false;
    let textBeforeRestart = '';
    let textAfterRestart = '';
    for await (const ev of stream.events()) {
      types.push(ev.type);
      if (ev.type === 'restart') restarted = true;
      else if (ev.type === 'token' && restarted) textAfterRestart += ev.text;
      else if (ev.type === 'token') textBeforeRestart += ev.text;
    }
    const result = await stream.result;
    expect(result.reason === 'stop', `end reason ${result.reason} (${result.code}: ${result.message})`);
    expect(restarted, `no restart event: ${types.join(',')}`);
    expect(textBeforeRestart.length > 0, 'nothing came before the member was lost');
    expect(result.text === textAfterRestart && stream.text === textAfterRestart,
      `result.text ${JSON.stringify(result.text)}: not the answer after the restart, ${JSON.stringify(textAfterRestart)}`);
    expect(result.restarts === 1 && stream.restarts === 1, `restarts ${result.restarts}`);
    expect(result.gaps.length === 0, `gaps ${JSON.stringify(result.gaps)}`);
    expect(types.filter((t) => t === 'end').length === 1 && types[types.length - 1] === 'end', `events ${types.join(',')}`);
    return { transport, text: result.text, textBeforeRestart, restarts: result.restarts, types };
  } finally {
    c.close();
  }
}

const scenarios = {
  'restarted-websocket': () => restarted('websocket'),
  'moved-websocket': () => moved('websocket'),
  'moved-sse': () => moved('sse'),
  'stream-websocket': () => forced('websocket'),
  'stream-sse': () => forced('sse'),
  'stream-long-polling': () => forced('long-polling'),

  /**
   * Per transport: a model that thinks (MODEL defaults to 'thinker', whose upstream sends its reasoning before its
   * answer). stream.reasoning and result.reasoning hold the reasoning events' text, the answer none of it, and every
   * reasoning event comes before the first token.
   */
  async reasoning() {
    const runs = {};
    for (const transport of available) {
      const c = client({ transports: [transport] });
      try {
        const stream = c.stream({ model: modelArg ?? 'thinker', messages });
        let reasoning = '';
        let text = '';
        let reasoningAfterText = 0;
        for await (const ev of stream.events()) {
          if (ev.type === 'reasoning') {
            reasoning += ev.text;
            if (text) reasoningAfterText++;
          }
          if (ev.type === 'token') text += ev.text;
        }
        const result = await stream.result;
        expect(reasoning.length > 0, `${transport}: no reasoning event`);
        expect(reasoningAfterText === 0, `${transport}: reasoning after the answer began`);
        expect(stream.reasoning === reasoning, `${transport}: stream.reasoning ${JSON.stringify(stream.reasoning)}`);
        expect(result.reasoning === reasoning, `${transport}: result.reasoning ${JSON.stringify(result.reasoning)}`);
        expect(result.text === text && !text.includes(reasoning), `${transport}: the answer ${JSON.stringify(text)}`);
        expect(result.reason === 'stop', `${transport}: end ${result.reason}`);
        runs[transport] = { reasoning, text };
      } finally {
        c.close();
      }
    }
    return { runs };
  },

  async auto() {
    const c = client({});
    try {
      const r = await collect(c.stream({ model: modelArg ?? 'mock-fast', messages }));
      expect(r.reason === 'stop', `end reason ${r.reason} (${r.code}: ${r.message})`);
      return {
        transport: c.transport,
        offered: c.session.transports.map((t) => t.name),
        failedTransports: [...c.failedTransports],
        transportChanges: c.changes,
        ...r,
      };
    } finally {
      c.close();
    }
  },

  /** Per transport: abort after 3 tokens of a paced stream, as an application does. */
  abort: () => abortRuns({ model: modelArg ?? 'mock-typewriter' }),

  /**
   * Per transport: abort after 3 tokens, and the cancel (DELETE, or the WebSocket cancel frame) held back until a
   * later token has arrived: tokens that the server generated before it saw the cancel certainly come after the
   * abort, and must be discarded.
   */
  'abort-in-flight': () => abortRuns({ model: modelArg ?? 'mock-typewriter', holdCancel: true }),

  /**
   * Per transport: a stream that already ended is read again from seq 0, so its events arrive in a burst (one poll
   * answer, a few SSE chunks or WebSocket frames); abort after 3 tokens: the tokens received but not yet read
   * must not reach the loop either.
   */
  async 'abort-burst'() {
    const first = client({});
    try {
      const ended = await collect(first.stream({ model: modelArg ?? 'mock-typewriter', messages, params: { max_tokens: 40 } }));
      expect(NORMAL_ENDS.includes(ended.reason), `end reason ${ended.reason} (${ended.code}: ${ended.message})`);
      const result = await abortRuns({ session: first.session, resume: ended.streamId });
      return { ...result, replayed: { streamId: ended.streamId, tokens: ended.seqs.length - 2, text: ended.text } };
    } finally {
      first.close();
    }
  },

  /** Two prompts at once on one client over one WebSocket, then a follow-up with the first answer as history. */
  async 'follow-up'() {
    requireTransport('websocket');
    let sockets = 0;
    const Counting = class extends globalThis.WebSocket {
      constructor(...args) {
        super(...args);
        sockets++;
      }
    };
    const c = client({ transports: ['websocket'], WebSocket: Counting });
    try {
      const model = modelArg ?? 'mock-typewriter';
      const params = { max_tokens: 40 };
      const q1 = { role: 'user', content: 'First question' };
      const q2 = { role: 'user', content: 'Second question' };
      const order = [];
      const tap = (name, stream) => ({
        events: async function* () {
          for await (const ev of stream.events()) {
            order.push(name);
            yield ev;
          }
        },
        result: stream.result,
      });
      const a = c.stream({ model, messages: [q1], params });
      const b = c.stream({ model, messages: [q2], params });
      const [ra, rb] = await Promise.all([collect(tap('a', a), { label: 'first' }), collect(tap('b', b), { label: 'second' })]);
      const history = [q1, { role: 'assistant', content: ra.text }, { role: 'user', content: 'And then?' }];
      const rc = await collect(c.stream({ model, messages: history, params }), { label: 'follow-up' });
      for (const [label, r] of [['first', ra], ['second', rb], ['follow-up', rc]]) {
        expect(NORMAL_ENDS.includes(r.reason), `${label}: end reason ${r.reason} (${r.code}: ${r.message})`);
        expect(r.transport === 'websocket', `${label}: transport ${r.transport}`);
      }
      expect(new Set([ra.streamId, rb.streamId, rc.streamId]).size === 3, 'stream ids are not distinct');
      expect(sockets === 1, `${sockets} WebSockets opened, expected 1`);
      // Interleaved: the second stream's first event came before the first stream's last one.
      const interleaved = order.indexOf('b') < order.lastIndexOf('a') && order.indexOf('a') < order.lastIndexOf('b');
      return { sockets, interleaved, first: ra, second: rb, followUp: rc };
    } finally {
      c.close();
    }
  },

  /**
   * Per transport: read 5 tokens on one client, close it (detaches, does not cancel), resume on a second client
   * that reuses the session; part1 + part2 must equal the whole stream read again from seq 0.
   */
  async resume() {
    const runs = {};
    for (const transport of available) {
      const first = client({ transports: [transport] });
      let second;
      try {
        const stream = first.stream({ model: modelArg ?? 'mock-typewriter', messages, params: { max_tokens: 60 } });
        const it = stream.events()[Symbol.asyncIterator]();
        let part1 = '';
        let lastSeq = 0;
        for (let tokens = 0; tokens < 5; ) {
          const { value, done } = await it.next();
          expect(!done && value.type !== 'end', `${transport}: the stream ended before 5 tokens`);
          expect(value.seq === lastSeq + 1, `${transport}: part 1 seq ${value.seq} after ${lastSeq}`);
          lastSeq = value.seq;
          if (value.type === 'token') {
            part1 += value.text;
            tokens++;
          }
        }
        const streamId = stream.streamId;
        const session = first.session;
        first.close(); // the iterator is left suspended: no cancel is sent

        second = client({ session, transports: [transport] });
        const part2 = await collect(second.resume(streamId, { lastSeq }), { firstSeq: lastSeq + 1, label: `${transport} part 2` });
        expect(part2.streamId === streamId, `${transport}: resumed ${part2.streamId}, not ${streamId}`);
        expect(second.session.sessionId === session.sessionId, `${transport}: the second client made a new session`);
        expect(NORMAL_ENDS.includes(part2.reason), `${transport}: end reason ${part2.reason} (${part2.code}: ${part2.message})`);
        const whole = await collect(second.resume(streamId, { lastSeq: 0 }), { label: `${transport} whole` });
        expect(part1 + part2.text === whole.text, `${transport}: part1 + part2 differs from the whole text`);
        runs[transport] = { streamId, lastSeq, part1, part2: part2.text, part2Seqs: part2.seqs, text: whole.text, reason: part2.reason };
      } finally {
        first.close();
        second?.close();
      }
    }
    return { websocketAvailable, transports: available, runs };
  },

  /**
   * Per transport, on a gateway whose replay buffer is much shorter than the answer: read 12 tokens, close the client
   * (a page reload), then resume on a new client from seq 0 while the answer streams: the snapshot and what follows
   * must show the whole answer, through the text iterator too. After the end, resume from the early cursor with the
   * text read up to it: the iterator yields exactly the rest.
   */
  async snapshot() {
    const model = modelArg ?? 'mock-compact';
    const reference = client({ transports: [available[0]] });
    let expected;
    try {
      expected = (await collect(reference.stream({ model, messages }), { label: 'reference' })).text;
    } finally {
      reference.close();
    }
    const runs = {};
    for (const transport of available) {
      const first = client({ transports: [transport] });
      let second;
      try {
        const stream = first.stream({ model, messages });
        let part1 = '';
        let lastSeq = 0;
        const it = stream.events()[Symbol.asyncIterator]();
        for (let tokens = 0; tokens < 12; ) {
          const { value, done } = await it.next();
          expect(!done && value.type !== 'end', `${transport}: the stream ended before 12 tokens`);
          lastSeq = value.seq;
          if (value.type === 'snapshot') part1 = value.text; // a poller can fall behind too: replace, not append
          if (value.type === 'token') {
            part1 += value.text;
            tokens++;
          }
        }
        const { streamId } = stream;
        // stream.text also holds what arrived and was not read yet.
        expect(stream.text.startsWith(part1), `${transport}: stream.text does not begin with the text read`);
        first.close(); // the iterator is left suspended: no cancel is sent
        second = client({ session: first.session, transports: [transport] });
        const reloaded = second.resume(streamId, { lastSeq: 0 });
        let shown = '';
        for await (const text of reloaded) shown += text;
        const result = await reloaded.result;
        expect(result.events[0]?.type === 'snapshot', `${transport}: the reload began with ${result.events[0]?.type}`);
        // A poller slower than the stream may fall behind the buffer again (long-polling pushes nothing back): each
        // later snapshot extends the text, and the iterator yields only what it adds.
        const snapshots = result.events.filter((e) => e.type === 'snapshot').length;
        expect(snapshots === 1 || (transport === 'long-polling' && snapshots > 1), `${transport}: ${snapshots} snapshots`);
        expect(result.events.filter((e) => e.type === 'end').length === 1, `${transport}: not one end`);
        expect(result.gaps.length === 0, `${transport}: gaps ${JSON.stringify(result.gaps)}`);
        expect(shown === expected, `${transport}: the reload showed ${shown.length} chars, expected ${expected.length}`);
        expect(result.text === expected && reloaded.text === expected, `${transport}: result.text is not the answer`);

        const early = second.resume(streamId, { lastSeq, text: part1 });
        let rest = '';
        for await (const text of early) rest += text;
        const earlyResult = await early.result;
        expect(earlyResult.events[0]?.type === 'snapshot', `${transport}: the early resume began with ${earlyResult.events[0]?.type}`);
        expect(part1 + rest === expected, `${transport}: the early resume yielded more or less than the rest`);
        runs[transport] = { streamId, snapshotSeq: result.events[0].seq, snapshots, lastSeq, textLength: expected.length, reason: result.reason };
      } finally {
        first.close();
        second?.close();
      }
    }
    return { websocketAvailable, transports: available, runs };
  },

  /**
   * Through a recording proxy, one stream per transport, with an API key (a string, then an async function): the
   * key goes in Authorization on POST sessions and nowhere else; the session token goes in Authorization on every
   * HTTP request of the streams (POST, event stream, polls) and in a URL only for the WebSocket handshake.
   */
  async 'auth-headers'() {
    const proxy = await recordingProxy(baseUrl);
    const runs = {};
    try {
      for (const [i, transport] of available.entries()) {
        const apiKey = `tl-check-key-${i}`;
        const from = proxy.seen.length;
        const c = client({ baseUrl: proxy.baseUrl, transports: [transport], apiKey: i % 2 ? async () => apiKey : apiKey });
        try {
          const r = await collect(c.stream({ model: modelArg ?? 'mock-fast', messages }));
          expect(r.reason === 'stop' && r.transport === transport, `${transport}: ${r.reason} over ${r.transport}`);
          const token = c.session.token;
          const seen = proxy.seen.slice(from);
          const sessions = seen.filter((q) => q.method === 'POST' && q.url.endsWith('/sessions'));
          expect(sessions.length === 1, `${transport}: ${sessions.length} POST sessions`);
          expect(sessions[0].authorization === `Bearer ${apiKey}`, `${transport}: POST sessions sent ${sessions[0].authorization}`);
          const rest = seen.filter((q) => q !== sessions[0]);
          expect(rest.length > 0, `${transport}: no stream request went through the proxy`);
          for (const q of seen) {
            expect(!q.url.includes(apiKey), `${transport}: the API key is in the URL ${q.url}`);
          }
          for (const q of rest) {
            if (q.upgrade) {
              // A short-lived URL token of this session, never the session token itself.
              const inUrl = new URL(q.url, 'http://x').searchParams.get('access_token') ?? '';
              expect(inUrl.startsWith('u2.') && inUrl !== token && inUrl.split('.')[1] === c.session.sessionId,
                `${transport}: WebSocket URL ${q.url}`);
            } else {
              expect(!q.url.includes('access_token') && !q.url.includes(token), `${transport}: token in the URL ${q.method} ${q.url}`);
              expect(q.authorization === `Bearer ${token}`, `${transport}: ${q.method} ${q.url} sent ${q.authorization}`);
            }
          }
          runs[transport] = { requests: seen.map((q) => `${q.upgrade ? 'UPGRADE' : q.method} ${q.url.replace(token, '<token>')}`) };
        } finally {
          c.close();
        }
      }
    } finally {
      await proxy.close();
    }
    return { websocketAvailable, transports: available, runs };
  },

  /**
   * Against a stand-in gateway (BASE_URL unused): a refused API key (401 invalid_api_key), a proxy's 401 page
   * without JSON, and a model the key may not use (403 model_not_allowed) each fail the stream at once, with the
   * code and status, after exactly one request: no retry, no reconnect loop, no fallback to another transport.
   */
  async 'auth-refused'() {
    const session = { sessionId: 's-1', token: 't-1', expiresAt: Date.now() + 3600_000, heartbeatMs: 15000,
      transports: [{ name: 'sse', url: 'streams' }, { name: 'long-polling', url: 'streams' }] };
    const cases = {
      invalid_api_key: (req, key) => (key.endsWith('/sessions') ? gatewayError(401, 'invalid_api_key', 'a valid API key is required') : { status: 500 }),
      proxy_401: () => ({ status: 401, body: '<html>log in first</html>' }),
      model_not_allowed: (req, key) => (key.endsWith('/sessions') ? { status: 201, json: session }
        : gatewayError(403, 'model_not_allowed', 'this key may not use gpt-secret')),
    };
    const runs = {};
    for (const [name, answer] of Object.entries(cases)) {
      const fake = await fakeGateway(answer);
      const c = client({ baseUrl: fake.baseUrl, apiKey: 'k', WebSocket: null, reconnect: { initialDelayMs: 1, maxDelayMs: 1 } });
      try {
        const err = await failure(c.stream({ model: 'gpt-secret', messages }));
        runs[name] = { code: err.code, status: err.status, requests: { ...fake.counts }, failedTransports: [...c.failedTransports] };
        const total = Object.values(fake.counts).reduce((a, b) => a + b, 0);
        const expected = name === 'model_not_allowed' ? 2 : 1;
        expect(total === expected, `${name}: ${total} requests ${JSON.stringify(fake.counts)}, expected ${expected}`);
        expect(c.failedTransports.size === 0, `${name}: fell back after ${[...c.failedTransports]}`);
      } finally {
        c.close();
        await fake.close();
      }
    }
    expect(runs.invalid_api_key.code === 'invalid_api_key' && runs.invalid_api_key.status === 401, JSON.stringify(runs.invalid_api_key));
    expect(runs.proxy_401.code === 'http_401' && runs.proxy_401.status === 401, JSON.stringify(runs.proxy_401));
    expect(runs.model_not_allowed.code === 'model_not_allowed' && runs.model_not_allowed.status === 403, JSON.stringify(runs.model_not_allowed));
    return { runs };
  },
};

function finish(code, body) {
  process.stdout.write(JSON.stringify(body) + '\n', () => process.exit(code));
}

if (!scenarios[scenario] || !baseUrl) {
  process.stderr.write(`usage: node client-check.mjs (${Object.keys(scenarios).join('|')}) BASE_URL [MODEL]\n`);
  process.exit(2);
}
setTimeout(() => finish(2, { ok: false, scenario, error: `timed out after ${TIMEOUT_MS} ms` }), TIMEOUT_MS).unref();
try {
  const result = await scenarios[scenario]();
  finish(0, { ok: true, scenario, websocketAvailable, ...result });
} catch (err) {
  const detail = err instanceof TokenlaneError ? { code: err.code, status: err.status } : {};
  const error = err instanceof CheckFailed ? err.message : err instanceof TokenlaneError ? `${err.code}: ${err.message}` : String(err?.stack ?? err);
  finish(1, { ok: false, scenario, error, ...detail });
}

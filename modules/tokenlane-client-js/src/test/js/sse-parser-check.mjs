// Self-check of the client's text/event-stream parser; no gateway needed.
// Usage: node sse-parser-check.mjs   (prints "N passed, 0 failed"; exits non-zero on a failure)
import { _SseParser } from '../../main/js/tokenlane.js';

let passed = 0;
let failed = 0;

function parseAll(chunks) {
  const parser = new _SseParser();
  const events = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  return { events, parser };
}

/** Feeds the text whole, then split at every position, then one character at a time: same events each time. */
function check(name, text, expected, { retry } = {}) {
  const splits = [[text], [...text]];
  for (let i = 1; i < text.length; i++) splits.push([text.slice(0, i), text.slice(i)]);
  for (const chunks of splits) {
    const { events, parser } = parseAll(chunks);
    const problem =
      JSON.stringify(events) !== JSON.stringify(expected)
        ? `got ${JSON.stringify(events)}, want ${JSON.stringify(expected)}`
        : retry !== undefined && parser.retry !== retry
          ? `retry ${parser.retry}, want ${retry}`
          : null;
    if (problem) {
      failed++;
      console.log(`FAIL ${name} (chunks ${JSON.stringify(chunks)}): ${problem}`);
      return;
    }
  }
  passed++;
}

const msg = (data, id = '', event = 'message') => ({ event, data, id });

check('gateway stream', 'retry: 1000\n\nevent: ready\ndata: {"type":"ready"}\n\nid: 1\ndata: {"seq":1}\n\n: heartbeat\n\nid: 2\ndata: {"seq":2}\n\n',
  [msg('{"type":"ready"}', '', 'ready'), msg('{"seq":1}', '1'), msg('{"seq":2}', '2')], { retry: 1000 });
check('CRLF', 'id: 7\r\ndata: a\r\n\r\ndata: b\r\n\r\n', [msg('a', '7'), msg('b', '7')]);
check('CR only', 'data: a\r\rdata: b\r\r', [msg('a'), msg('b')]);
check('mixed line ends', 'data: a\r\ndata: b\rdata: c\n\r\n', [msg('a\nb\nc')]);
check('multi-line data', 'data: line1\ndata: line2\ndata:\n\n', [msg('line1\nline2\n')]);
check('no space after colon', 'data:x\nevent:e\n\n', [msg('x', '', 'e')]);
check('only one leading space removed', 'data:  two\n\n', [msg(' two')]);
check('field without colon', 'data\n\n', [msg('')]);
check('no data: not dispatched', 'event: ready\n\nid: 3\n\ndata: z\n\n', [msg('z', '3')]);
check('event type resets after dispatch', 'event: e\ndata: 1\n\ndata: 2\n\n', [msg('1', '', 'e'), msg('2')]);
check('comments only', ': a\n: b\r\n:c\r\r', []);
check('unknown fields ignored', 'foo: bar\ndata: d\n\n', [msg('d')]);
check('id with NUL ignored', 'id: 1\ndata: a\n\nid: x\u0000y\ndata: b\n\n', [msg('a', '1'), msg('b', '1')]);
check('empty id resets', 'id: 5\ndata: a\n\nid\ndata: b\n\n', [msg('a', '5'), msg('b', '')]);
check('bad retry ignored', 'retry: 12a\nretry: 250\nretry: x\ndata: r\n\n', [msg('r')], { retry: 250 });
check('BOM stripped', '\ufeffdata: bom\n\n', [msg('bom')]);
check('unterminated last event kept back', 'data: a\n\ndata: b\n', [msg('a')]);
check('unicode', 'data: héllo 👋\n\n', [msg('héllo 👋')]);

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;

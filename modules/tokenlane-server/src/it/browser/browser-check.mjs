// Drives the gateway's demo page and its JS client in a real Chromium (Debian's /usr/bin/chromium, or $CHROMIUM)
// through playwright-core, which never downloads a browser.
//
// Usage: node browser-check.mjs SCENARIO BASE_URL [OPTIONS_JSON]
//   BASE_URL is the origin the page is served from (the gateway, or a proxy in front of it), no trailing slash
//   needed: the demo page is BASE_URL/demo/, the client BASE_URL/client/tokenlane.js, the API BASE_URL/v1/.
// Prints ONE JSON line on stdout: {"ok": true, ...scenario results, "consoleErrors": [...], "failedRequests": [...]}
// and exits 0; on failure prints {"ok": false, "error": "...", ...} and a message on stderr, and exits non-zero.
//
// Scenarios (options in parentheses, all optional unless marked):
//   demo-stream        (transport: auto|websocket|sse|long-polling, model, prompt)
//                      -> {transport, status, output, outputLength, statuses}
//   demo-cancel        (transport, model [mock-typewriter], prompt)
//                      -> {transport, status, outputAtClick, outputAtEnd, grew (a token came after the click),
//                      statuses}
//   client-eval        (script*: an async function body with TokenlaneClient, base and options in scope; its
//                      return value must be JSON-serialisable) -> {result}
//   eventsource-resume (streamId*, token*, api [BASE_URL/v1]) -> a plain EventSource on the stream's events until
//                      the end event: {seqs, lastEventIds, events, opens, errors, readyEvents, endReason}
// Common options: timeoutMs (whole run, default 80000), screenshot (a PNG path written at the end).
import { chromium } from 'playwright-core';

const [scenario, baseArg, optionsArg] = process.argv.slice(2);
const options = optionsArg ? JSON.parse(optionsArg) : {};
const STATUS_TIMEOUT_MS = 30_000;
const LAUNCH_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

const consoleErrors = [];
const failedRequests = [];
let browser;

function trimBase(base) {
  return String(base).replace(/\/+$/, '');
}

async function launch() {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: LAUNCH_ARGS,
  });
  return browser;
}

/** A fresh page (its own context) that records console errors, page errors and failed requests. */
async function newPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(STATUS_TIMEOUT_MS);
  page.on('console', (msg) => {
    const where = msg.location()?.url;
    // The browser's own favicon probe is noise: the gateway serves none.
    if (msg.type() === 'error' && !where?.endsWith('/favicon.ico')) {
      consoleErrors.push(where ? `${msg.text()} (${where})` : msg.text());
    }
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  return page;
}

// ---------------------------------------------------------------------------------------------------------------
// The demo page

/** Records every #status text after this call, so a final status is told from the one before sending. */
async function watchStatus(page) {
  await page.evaluate(() => {
    window.__tlStatuses = [];
    let last = null;
    const record = () => {
      const el = document.querySelector('#status');
      const text = el ? el.textContent.trim() : '';
      if (text !== last) {
        last = text;
        window.__tlStatuses.push(text);
      }
    };
    new MutationObserver(record).observe(document.body, { childList: true, characterData: true, subtree: true });
  });
}

/** Waits until #status changed since watchStatus and is neither empty nor "streaming"; returns it. */
async function finalStatus(page, timeout = STATUS_TIMEOUT_MS) {
  try {
    await page.waitForFunction(() => {
      const statuses = window.__tlStatuses;
      const text = document.querySelector('#status')?.textContent.trim() ?? '';
      return statuses.length > 0 && text !== '' && text !== 'streaming';
    }, null, { timeout, polling: 50 });
  } catch (err) {
    const now = await page.evaluate(() => ({
      statuses: window.__tlStatuses,
      output: document.querySelector('#output')?.textContent,
    })).catch(() => ({}));
    throw new Error(`no final #status within ${timeout} ms (statuses ${JSON.stringify(now.statuses)}, output `
      + `${JSON.stringify(now.output)}): ${err.message}`);
  }
  return text(page, '#status');
}

async function text(page, selector) {
  return page.$eval(selector, (el) => (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' ? el.value : el.textContent));
}

async function openDemo(page, base) {
  await page.goto(`${base}/demo/`, { waitUntil: 'load' });
}

/** Selects model and transport, types the prompt and clicks send, with the status watched from before the click. */
async function sendPrompt(page, opts, defaultModel) {
  await page.selectOption('#model', opts.model ?? defaultModel);
  if (opts.transport) {
    await page.selectOption('#force-transport', opts.transport);
  }
  await page.fill('#prompt', opts.prompt ?? 'Tell me about streaming gateways.');
  await watchStatus(page);
  await page.click('#send');
}

async function demoStream(page, base, opts) {
  await openDemo(page, base);
  await sendPrompt(page, opts, 'mock-fast');
  const status = await finalStatus(page);
  const output = await text(page, '#output');
  return {
    transport: (await text(page, '#transport')).trim(),
    status,
    output,
    outputLength: output.length,
    statuses: await page.evaluate(() => window.__tlStatuses),
  };
}

async function demoCancel(page, base, opts) {
  await openDemo(page, base);
  await sendPrompt(page, opts, 'mock-typewriter');
  await page.waitForFunction(() => (document.querySelector('#output')?.textContent ?? '').length > 0, null,
    { timeout: STATUS_TIMEOUT_MS, polling: 20 });
  // The output at the very moment of the click, taken in the page before the demo's own click handler runs
  // (a capturing listener on the window comes first): everything shown after it came after the cancel.
  await page.evaluate(() => window.addEventListener('click', (ev) => {
    if (ev.target?.id === 'cancel') window.__tlOutputAtClick = document.querySelector('#output').textContent;
  }, { capture: true, once: true }));
  await page.click('#cancel');
  const status = await finalStatus(page);
  // The final status is set after the demo's loop over the stream has ended: nothing can be appended later.
  const outputAtEnd = await text(page, '#output');
  const outputAtClick = await page.evaluate(() => window.__tlOutputAtClick);
  return {
    transport: (await text(page, '#transport')).trim(),
    status,
    outputAtClick,
    outputAtEnd,
    grew: outputAtEnd !== outputAtClick,
    statuses: await page.evaluate(() => window.__tlStatuses),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The client, driven directly

async function clientEval(page, base, opts) {
  if (typeof opts.script !== 'string') {
    throw new Error('client-eval needs options.script');
  }
  await openDemo(page, base);
  // A string expression (not new Function in the page) so a strict Content-Security-Policy doesn't refuse it.
  const expression = `(async () => {
    const { TokenlaneClient } = await import(${JSON.stringify(`${base}/client/tokenlane.js`)});
    const base = ${JSON.stringify(base)};
    const options = ${JSON.stringify(opts)};
    return await (async () => {
${opts.script}
    })();
  })()`;
  const result = await page.evaluate(expression);
  return { result: result === undefined ? null : result };
}

// ---------------------------------------------------------------------------------------------------------------
// A plain EventSource

async function eventsourceResume(page, base, opts) {
  if (!opts.streamId || !opts.token) {
    throw new Error('eventsource-resume needs options.streamId and options.token');
  }
  await openDemo(page, base);
  const api = trimBase(opts.api ?? `${base}/v1`);
  const url = `${api}/streams/${encodeURIComponent(opts.streamId)}/events?access_token=${encodeURIComponent(opts.token)}`;
  return page.evaluate(({ url, timeoutMs }) => new Promise((resolve, reject) => {
    const seen = { url, seqs: [], lastEventIds: [], events: [], opens: 0, errors: 0, readyEvents: 0, endReason: null };
    const source = new EventSource(url);
    const timer = setTimeout(() => {
      source.close();
      reject(new Error(`no end event within ${timeoutMs} ms: ${JSON.stringify(seen)}`));
    }, timeoutMs);
    source.addEventListener('open', () => seen.opens++);
    source.addEventListener('error', () => seen.errors++);
    source.addEventListener('ready', () => seen.readyEvents++);
    source.addEventListener('message', (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        data = e.data;
      }
      seen.lastEventIds.push(e.lastEventId);
      seen.events.push(data);
      if (data && typeof data === 'object') {
        seen.seqs.push(data.seq);
        if (data.type === 'end') {
          seen.endReason = data.reason ?? null;
          clearTimeout(timer);
          source.close();
          resolve(seen);
        }
      }
    });
  }), { url, timeoutMs: opts.eventTimeoutMs ?? 60_000 });
}

// ---------------------------------------------------------------------------------------------------------------

const scenarios = {
  'demo-stream': async (base) => demoStream(await newPage(), base, options),
  'demo-cancel': async (base) => demoCancel(await newPage(), base, options),
  'client-eval': async (base) => clientEval(await newPage(), base, options),
  'eventsource-resume': async (base) => eventsourceResume(await newPage(), base, options),
};

function print(result) {
  process.stdout.write(`${JSON.stringify({ ...result, browserVersion: browser?.version(), consoleErrors, failedRequests })}\n`);
}

async function main() {
  const run = scenarios[scenario];
  if (!run) {
    throw new Error(`unknown scenario ${JSON.stringify(scenario)}; one of ${Object.keys(scenarios).join(', ')}`);
  }
  if (!baseArg) {
    throw new Error(`${scenario} needs a base URL`);
  }
  await launch();
  const result = await run(trimBase(baseArg));
  if (options.screenshot) {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length > 0) {
      await pages[pages.length - 1].screenshot({ path: options.screenshot, fullPage: true });
    }
  }
  return result;
}

const watchdog = setTimeout(() => {
  print({ ok: false, error: `timed out after ${options.timeoutMs ?? 80_000} ms` });
  process.stderr.write(`browser-check ${scenario}: timed out\n`);
  (browser ? browser.close() : Promise.resolve()).finally(() => process.exit(3));
}, options.timeoutMs ?? 80_000);

let exitCode = 0;
try {
  print({ ok: true, ...(await main()) });
} catch (err) {
  exitCode = 1;
  // eslint-disable-next-line no-control-regex
  print({ ok: false, error: String(err?.message ?? err).replace(/\u001b\[[0-9;]*m/g, '') });
  process.stderr.write(`browser-check ${scenario} failed: ${err?.stack ?? err}\n`);
} finally {
  clearTimeout(watchdog);
  if (browser) {
    await browser.close().catch(() => {});
  }
}
process.exit(exitCode);

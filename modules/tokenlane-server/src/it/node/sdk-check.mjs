// Drives a running gateway with the official OpenAI Node SDK, unchanged: only baseURL points at the gateway.
// Usage: node sdk-check.mjs SCENARIO BASE_URL MODEL
// Prints one JSON object on stdout with what the SDK saw; the Java integration test asserts on it.
import OpenAI from 'openai';

const [scenario, baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'not-needed', maxRetries: 0, timeout: 30_000 });
const messages = [{ role: 'user', content: 'Tell me about streaming gateways.' }];

async function stream(extra = {}) {
  const chunks = await client.chat.completions.create({ model, messages, stream: true, ...extra });
  const seen = { text: '', chunks: 0, finishReason: null, usage: null, ids: new Set() };
  for await (const chunk of chunks) {
    seen.chunks++;
    seen.ids.add(chunk.id);
    if (chunk.usage) seen.usage = chunk.usage;
    for (const choice of chunk.choices) {
      seen.text += choice.delta?.content ?? '';
      if (choice.finish_reason) seen.finishReason = choice.finish_reason;
    }
  }
  return { ...seen, ids: seen.ids.size };
}

const scenarios = {
  async stream() {
    return stream({ stream_options: { include_usage: true } });
  },
  async nonstream() {
    const completion = await client.chat.completions.create({ model, messages });
    return {
      text: completion.choices[0].message.content,
      finishReason: completion.choices[0].finish_reason,
      usage: completion.usage,
      object: completion.object,
    };
  },
  async models() {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    return { ids };
  },
  async error() {
    try {
      await stream();
      return { error: null };
    } catch (e) {
      return { error: e.constructor.name, status: e.status ?? null, code: e.code ?? null, message: e.message };
    }
  },
  async abort() {
    const chunks = await client.chat.completions.create({ model, messages, stream: true });
    let text = '';
    for await (const chunk of chunks) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (text.length > 0) {
        chunks.controller.abort();
        break;
      }
    }
    return { aborted: true, text };
  },
};

try {
  const result = await scenarios[scenario]();
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ unexpected: String(e) }) + '\n');
  process.exitCode = 1;
}

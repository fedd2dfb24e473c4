// Drives a running gateway's /v1/messages with the official Anthropic TypeScript SDK, unchanged: only baseURL
// points at the gateway. Usage: node anthropic-check.mjs SCENARIO GATEWAY_ROOT MODEL
// Prints one JSON object on stdout with what the SDK saw; the Java integration test asserts on it.
import Anthropic from '@anthropic-ai/sdk';

const [scenario, baseURL, model] = process.argv.slice(2);
const client = new Anthropic({ baseURL, apiKey: 'not-needed', maxRetries: 0, timeout: 30_000 });
const messages = [{ role: 'user', content: 'What is the weather in Köln?' }];
const tools = [{
  name: 'weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}];

const scenarios = {
  async 'stream-tool'() {
    const stream = client.messages.stream({ model, max_tokens: 256, messages, tools });
    let text = '';
    let events = 0;
    stream.on('text', (delta) => { text += delta; });
    stream.on('streamEvent', () => { events++; });
    const message = await stream.finalMessage();
    const toolUse = message.content.find((block) => block.type === 'tool_use') ?? null;
    return {
      text, events, id: message.id, stopReason: message.stop_reason, usage: message.usage,
      toolUse: toolUse && { id: toolUse.id, name: toolUse.name, input: toolUse.input },
    };
  },
  async create() {
    const message = await client.messages.create({ model, max_tokens: 256, messages });
    return {
      type: message.type, id: message.id, stopReason: message.stop_reason, usage: message.usage,
      text: message.content.filter((block) => block.type === 'text').map((block) => block.text).join(''),
    };
  },
  async error() {
    try {
      const stream = client.messages.stream({ model, max_tokens: 256, messages });
      await stream.finalMessage();
      return { error: null };
    } catch (e) {
      return { error: e.constructor.name, status: e.status ?? null, type: e.error?.error?.type ?? null, message: e.message };
    }
  },
};

try {
  const result = await scenarios[scenario]();
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ unexpected: String(e) }) + '\n');
  process.exitCode = 1;
}

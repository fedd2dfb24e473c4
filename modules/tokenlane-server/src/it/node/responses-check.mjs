// Drives a running gateway's /v1/responses with the official OpenAI Node SDK and with the Vercel AI SDK's default
// OpenAI provider (openai(model), which calls the Responses API), both unchanged: the base URL points at the
// gateway (for the AI SDK through OPENAI_BASE_URL, as its documentation says).
// Usage: node responses-check.mjs SCENARIO BASE_URL MODEL
// Prints one JSON object on stdout with what the SDK saw; the Java integration test asserts on it.
import OpenAI from 'openai';
import { streamText } from 'ai';
import { openai } from '@ai-sdk/openai';

const [scenario, baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'not-needed', maxRetries: 0, timeout: 30_000 });
const input = 'Tell me about streaming gateways.';

const scenarios = {
  async stream() {
    const stream = await client.responses.create({ model, input, stream: true });
    const seen = { text: '', types: [], completed: null };
    for await (const event of stream) {
      seen.types.push(event.type);
      if (event.type === 'response.output_text.delta') seen.text += event.delta;
      if (event.type === 'response.completed') seen.completed = event.response;
    }
    return {
      text: seen.text, events: seen.types.length, first: seen.types[0], last: seen.types[seen.types.length - 1],
      status: seen.completed?.status, usage: seen.completed?.usage, outputText: seen.completed?.output_text ?? null,
    };
  },
  async create() {
    const response = await client.responses.create({ model, input });
    return { id: response.id, object: response.object, status: response.status, text: response.output_text,
      usage: response.usage };
  },
  // The SDK's stream helper rebuilds the Response from the events and checks their order as it goes.
  async helper() {
    const tools = [{ type: 'function', name: 'weather', description: 'The weather in a city', strict: false,
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const stream = client.responses.stream({ model, input: 'What is the weather in Köln?', tools });
    let text = '';
    stream.on('response.output_text.delta', (event) => { text += event.delta; });
    const response = await stream.finalResponse();
    const call = response.output.find((item) => item.type === 'function_call') ?? null;
    return { text, status: response.status, outputText: response.output_text, usage: response.usage,
      call: call && { callId: call.call_id, name: call.name, arguments: call.arguments } };
  },
  async vercel() {
    let error = null;
    const result = streamText({ model: openai(model), prompt: input, onError: ({ error: e }) => { error = String(e); } });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    return { text, finishReason: await result.finishReason, usage: await result.usage, error };
  },
};

try {
  const result = await scenarios[scenario]();
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ unexpected: String(e) }) + '\n');
  process.exitCode = 1;
}

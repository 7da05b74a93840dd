// The official OpenAI Node SDK's Responses API with an "mcp" tool the gateway runs itself.
// Usage: node responses-mcp.mjs <base-url> <gateway-key> <model> <mcp-server-url>; prints one JSON summary line.
import OpenAI from "openai";

const [baseURL, apiKey, model, serverUrl] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const tools = [{ type: "mcp", server_label: "gateway", server_url: serverUrl, allowed_tools: ["demo__echo"],
  require_approval: "never" }];
const out = {};
try {
  const plain = await client.responses.create({ model, tools, input: 'call demo__echo with {"text":"hi"}' });
  out.plain = { status: plain.status, text: plain.output_text, output: plain.output, usage: plain.usage };

  const stream = await client.responses.create({ model, tools, stream: true,
    input: 'call demo__echo with {"text":"streamed"}' });
  const types = [];
  const sequence = [];
  let deltas = "";
  let completed;
  for await (const event of stream) {
    types.push(event.type);
    sequence.push(event.sequence_number);
    if (event.type === "response.output_text.delta") deltas += event.delta;
    if (event.type === "response.completed") completed = event.response;
  }
  out.stream = { types, sequence, deltas, output: completed?.output };

  try {
    await client.responses.create({ model, input: "hi",
      tools: [{ type: "mcp", server_label: "elsewhere", server_url: "https://mcp.example.com/mcp",
        require_approval: "never" }] });
    out.foreign = { status: 200 };
  } catch (e) {
    out.foreign = { status: e.status, message: e.error?.message };
  }
} catch (e) {
  out.error = String(e?.stack || e);
}
console.log(JSON.stringify(out));

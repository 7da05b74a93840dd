// The TypeScript SDK v1 client (a legacy, session-based client) calling tools the gateway serves
// from a 2026-07-28 upstream, including one that asks for input (input_required upstream, an
// elicitation request to this client). Prints one JSON summary line.
// Usage: node client-v1-era.mjs <mcp-url> <gateway-key> <echo-tool> <confirm-tool>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const [url, key, echoTool, confirmTool] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
});
const client = new Client({ name: "portcullis-era-v1", version: "1.0.0" }, { capabilities: { elicitation: {} } });
let asked = null;
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  asked = request.params.message;
  return { action: "accept", content: { ok: true } };
});
const out = {};
try {
  await client.connect(transport);
  out.protocolVersion = transport.protocolVersion;
  out.tools = (await client.listTools()).tools.map((t) => t.name);
  out.echo = (await client.callTool({ name: echoTool, arguments: { text: "from v1" } })).content?.[0]?.text;
  const confirmed = await client.callTool({ name: confirmTool, arguments: { action: "deploy" } });
  out.confirm = confirmed.content?.[0]?.text;
  out.resultType = confirmed.resultType ?? null;
  out.asked = asked;
  await transport.terminateSession();
  await client.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));

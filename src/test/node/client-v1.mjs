// The official MCP TypeScript SDK v1 client against the gateway: prints one JSON summary line.
// Usage: node client-v1.mjs <mcp-url> <gateway-key>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, key] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
});
const client = new Client({ name: "portcullis-interop-v1", version: "1.0.0" });
const out = {};
try {
  await client.connect(transport);
  out.protocolVersion = transport.protocolVersion;
  out.server = client.getServerVersion()?.name;
  out.tools = (await client.listTools()).tools.map((t) => t.name);
  const text = (r) => r.content?.[0]?.text;
  out.stdioEcho = text(await client.callTool({ name: "ev__echo", arguments: { message: "via stdio" } }));
  out.httpSum = text(await client.callTool({ name: "evh__get-sum", arguments: { a: 2, b: 3 } }));
  out.demoEcho = text(await client.callTool({ name: "demo__echo", arguments: { text: "builtin" } }));
  let progress = 0;
  const long = await client.callTool(
    { name: "ev__trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
    undefined,
    { onprogress: () => { progress++; } },
  );
  out.longRunning = text(long);
  out.progressEvents = progress;
  try {
    await client.callTool({ name: "no__such_tool", arguments: {} });
    out.unknownTool = "no error";
  } catch (e) {
    out.unknownTool = String(e.code ?? e.message);
  }
  out.prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  out.readme = (await client.readResource({ uri: "demo://readme" })).contents[0].text;
  out.resources = (await client.listResources()).resources.length;
  await transport.terminateSession();
  await client.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));

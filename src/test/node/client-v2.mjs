// The official MCP TypeScript SDK v2 client (@modelcontextprotocol/client), pinned to the stateless
// revision 2026-07-28, against the gateway: prints one JSON summary line.
// Usage: node client-v2.mjs <mcp-url> <gateway-key> <tool-to-echo>... [--elicit <tool> <argsJson>]
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const args = process.argv.slice(2);
const [url, key] = args;
const rest = args.slice(2);
const elicitAt = rest.indexOf("--elicit");
const echoTools = elicitAt < 0 ? rest : rest.slice(0, elicitAt);
const elicit = elicitAt < 0 ? null : { name: rest[elicitAt + 1], args: JSON.parse(rest[elicitAt + 2]) };

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
});
const client = new Client(
  { name: "portcullis-interop-v2", version: "2.0.0" },
  { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: "2026-07-28" } } },
);
let elicitations = 0;
client.setRequestHandler("elicitation/create", async (request) => {
  elicitations++;
  // accepts yes/no questions, declines anything longer (a form a test cannot fill in faithfully)
  const props = Object.entries(request.params.requestedSchema?.properties ?? {});
  if (props.length === 0 || props.some(([, v]) => v.type !== "boolean")) return { action: "decline" };
  return { action: "accept", content: Object.fromEntries(props.map(([k]) => [k, true])) };
});
const out = {};
try {
  await client.connect(transport);
  out.protocolVersion = client.getNegotiatedProtocolVersion?.() ?? transport.protocolVersion;
  out.server = client.getServerVersion()?.name;
  out.tools = (await client.listTools()).tools.map((t) => t.name);
  out.echo = {};
  for (const t of echoTools) {
    const r = await client.callTool({ name: t, arguments: { text: "hi", message: "hi" } });
    out.echo[t] = r.content?.[0]?.text;
  }
  if (elicit) {
    const r = await client.callTool({ name: elicit.name, arguments: elicit.args });
    out.elicited = r.content?.map((c) => c.text ?? "").join(" ");
    out.elicitations = elicitations;
  }
  await client.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));

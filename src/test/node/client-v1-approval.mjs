// The official MCP TypeScript SDK v1 client, declaring elicitation, against a governed gateway:
// a policy rule requires approval, which the gateway asks for with elicitation/create on the call's
// stream. Prints one JSON summary line.
// Usage: node client-v1-approval.mjs <mcp-url> <gateway-key>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const [url, key] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
});
const client = new Client({ name: "portcullis-approval-v1", version: "1.0.0" }, { capabilities: { elicitation: {} } });
const out = { asked: [] };
let answer = "accept";
client.setRequestHandler(ElicitRequestSchema, async (req) => {
  out.asked.push(req.params.message);
  return { action: answer };
});
const text = (r) => r.content?.[0]?.text;
try {
  await client.connect(transport);
  out.before = text(await client.callTool({ name: "mail__send_mail", arguments: { to: "team", body: "hello" } }));
  out.secret = text(await client.callTool({ name: "files__read_secret", arguments: { key: "db" } }));
  out.accepted = text(await client.callTool({ name: "mail__send_mail", arguments: { to: "team", body: "after" } }));
  answer = "decline";
  try {
    await client.callTool({ name: "mail__send_mail", arguments: { to: "team", body: "again" } });
    out.declined = "no error";
  } catch (e) {
    out.declined = `${e.code} ${e.message}`;
  }
  await transport.terminateSession();
  await client.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));

// The official MCP TypeScript SDK v1 client calling OpenAPI-imported tools through the gateway.
// Usage: node openapi-client-v1.mjs <mcp-url> <gateway-key>; prints one JSON summary line.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, key] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
});
const client = new Client({ name: "portcullis-openapi-interop", version: "1.0.0" });
const out = {};
try {
  await client.connect(transport);
  const tools = (await client.listTools()).tools;
  out.tools = tools.map((t) => t.name);
  const get = tools.find((t) => t.name === "pets__getPetById");
  out.getPetAnnotations = get?.annotations;
  out.getPetInput = get?.inputSchema;
  // callTool validates structuredContent against each tool's outputSchema (AJV)
  const pet = await client.callTool({ name: "pets__getPetById", arguments: { petId: 3 } });
  out.pet = pet.structuredContent;
  out.petText = pet.content?.[0]?.text;
  const sold = await client.callTool({ name: "pets__findPetsByStatus", arguments: { status: "sold" } });
  out.sold = sold.structuredContent;
  const added = await client.callTool({
    name: "pets__addPet",
    arguments: { body: { id: 11, name: "Milo", photoUrls: ["m.png"], status: "pending" } },
  });
  out.added = added.structuredContent;
  const missing = await client.callTool({ name: "pets__getPetById", arguments: { petId: 404 } });
  out.missing = { isError: missing.isError, text: missing.content?.[0]?.text };
  const login = await client.callTool({ name: "pets__loginUser", arguments: { username: "ada", password: "p w" } });
  out.login = { text: login.content?.[0]?.text, structured: login.structuredContent };
  const refused = await client.callTool({ name: "meta__getPetById", arguments: { petId: 1 } });
  out.refused = { isError: refused.isError, text: refused.content?.[0]?.text };
  await transport.terminateSession();
  await client.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));

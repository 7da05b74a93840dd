// A legacy (session) MCP client of the official TypeScript SDK v1 against a balanced cluster of
// gateway replicas. Tells which replica served each request from the balancer's X-Served-By
// header. Prints one JSON line per phase; the test answers on stdin.
// Usage: node cluster-session-v1.mjs <mcp-url> <gateway-key> <requests>
//   phase "served":   after <requests> list/call requests; then waits for a tools list_changed
//   phase "notified": the notification arrived; waits for a line on stdin (a replica was killed)
//   phase "after":    <requests>/2 more calls after that line; then ends the session
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { createInterface } from "node:readline";

const [url, key, count] = process.argv.slice(2);
const n = Number(count);
const servedBy = {};
let streamOn = null;
const tagged = async (u, init) => {
  const r = await fetch(u, init);
  const who = r.headers.get("x-served-by");
  if ((init?.method ?? "GET") === "GET") {
    if (r.ok) streamOn = who;
  } else if (who) {
    servedBy[who] = (servedBy[who] ?? 0) + 1;
  }
  return r;
};
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${key}` } },
  fetch: tagged,
  reconnectionOptions: { initialReconnectionDelay: 100, maxReconnectionDelay: 500, reconnectionDelayGrowFactor: 1.5, maxRetries: 100 },
});
const client = new Client({ name: "portcullis-cluster-v1", version: "1.0.0" });
let changed = 0;
let onChanged = () => {};
client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
  changed++;
  onChanged();
});
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));
const say = (o) => console.log(JSON.stringify(o));
const text = (r) => r.content?.[0]?.text;

async function calls(k) {
  let ok = 0;
  const failures = [];
  for (let i = 0; i < k; i++) {
    try {
      if (i % 2 === 0) {
        const tools = (await client.listTools()).tools.map((t) => t.name);
        if (tools.includes("demo__echo")) ok++;
        else failures.push("tools: " + tools.join(","));
      } else {
        const r = text(await client.callTool({ name: "demo__echo", arguments: { text: "m" + i } }));
        if (r && r.includes("m" + i)) ok++;
        else failures.push("echo: " + r);
      }
    } catch (e) {
      failures.push(String(e?.message ?? e));
    }
  }
  return { ok, failures };
}

try {
  await client.connect(transport);
  const first = await calls(n);
  for (let i = 0; i < 100 && streamOn === null; i++) await new Promise((r) => setTimeout(r, 50));
  const notified = new Promise((resolve) => { onChanged = resolve; });
  say({ phase: "served", ...first, servedBy, streamOn, sessionId: transport.sessionId });
  await Promise.race([notified, new Promise((r) => setTimeout(r, 20000))]);
  say({ phase: "notified", changed, streamOn });
  await nextLine();
  const after = await calls(Math.ceil(n / 2));
  say({ phase: "after", ...after, servedBy, streamOn, sessionId: transport.sessionId });
  await transport.terminateSession();
  await client.close();
} catch (e) {
  say({ phase: "error", error: String(e?.stack ?? e) });
}
lines.close();

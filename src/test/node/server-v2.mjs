// A 2026-07-28-only MCP server built with the official TypeScript SDK v2 (@modelcontextprotocol/server):
// it rejects the legacy initialize handshake, so whoever talks to it must speak the stateless revision.
// Tools: echo, confirm (asks the user through a multi-round-trip elicitation, input_required) and,
// over HTTP, touch (publishes notifications/resources/updated for note://greeting and
// notifications/tools/list_changed to subscriptions/listen streams). Resource: note://greeting.
// Usage: node server-v2.mjs stdio | node server-v2.mjs http   (PORT from the environment)
import http from "node:http";
import * as z from "zod";
import { McpServer, createMcpHandler, inputRequired, acceptedContent } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";

let notify = null; // the HTTP handler's notifier, once it exists
// one URI per mode: a gateway in front of both must not see the same resource twice
const NOTE = process.argv[2] === "stdio" ? "note://stdio-greeting" : "note://greeting";

function build() {
  // 2026-07-28 only: the SDK's default list is the legacy revisions, and initialize must fail here
  const server = new McpServer({ name: "modern-upstream", version: "2.0.0" }, {
    supportedProtocolVersions: ["2026-07-28"],
    capabilities: { resources: { subscribe: true, listChanged: true } },
  });
  server.registerTool(
    "echo",
    { description: "Echoes the text back", inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text: `modern: ${text}` }] }),
  );
  server.registerTool(
    "confirm",
    { description: "Asks the user to confirm before acting", inputSchema: z.object({ action: z.string() }) },
    async ({ action }, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, "ok", z.object({ ok: z.boolean() }));
      if (answer === undefined) {
        return inputRequired({
          inputRequests: {
            ok: inputRequired.elicit({
              message: `Really ${action}?`,
              requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
            }),
          },
        });
      }
      return { content: [{ type: "text", text: answer.ok ? `done: ${action}` : `skipped: ${action}` }] };
    },
  );
  server.registerResource("greeting", NOTE, { mimeType: "text/plain" },
    async (uri) => ({ contents: [{ uri: uri.href, text: "hello from the modern upstream" }] }));
  server.registerTool(
    "touch",
    { description: "Changes note://greeting and the tool list", inputSchema: z.object({}) },
    async () => {
      notify?.resourceUpdated(NOTE);
      notify?.toolsChanged();
      return { content: [{ type: "text", text: notify ? "touched" : "nothing to notify on stdio" }] };
    },
  );
  return server;
}

if (process.argv[2] === "stdio") {
  serveStdio(build, { legacy: "reject" });
} else {
  const handler = createMcpHandler(build, { legacy: "reject" });
  notify = handler.notify;
  const port = Number(process.env.PORT ?? 3000);
  http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const request = new Request(`http://127.0.0.1:${port}${req.url}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
      signal: abort.signal,
    });
    const response = await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) {
      try {
        for await (const chunk of response.body) res.write(chunk);
      } catch {
        // the client went away
      }
    }
    res.end();
  }).listen(port, "127.0.0.1");
}

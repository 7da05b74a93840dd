// A conformance-capable MCP server (TypeScript SDK v1, Streamable HTTP, sessions) offering the
// test tools, resources and prompts the official conformance suite's server scenarios call.
// Written for Portcullis's tests. Usage: PORT=3101 node conformance-server.mjs
import http from "node:http";
import { randomUUID } from "node:crypto";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema, ListToolsRequestSchema, ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema, ReadResourceRequestSchema, SubscribeRequestSchema,
  UnsubscribeRequestSchema, ListPromptsRequestSchema, GetPromptRequestSchema, CompleteRequestSchema,
  SetLevelRequestSchema, CreateMessageResultSchema, ElicitResultSchema, McpError, ErrorCode,
} from "@modelcontextprotocol/sdk/types.js";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (t) => ({ content: [{ type: "text", text: t }] });
const noArgs = { type: "object", properties: {} };

const tools = [
  ["test_simple_text", "Simple text content", noArgs],
  ["test_image_content", "Image content", noArgs],
  ["test_audio_content", "Audio content", noArgs],
  ["test_embedded_resource", "Embedded resource content", noArgs],
  ["test_multiple_content_types", "Text, image and resource content together", noArgs],
  ["test_tool_with_logging", "Sends log notifications while running", noArgs],
  ["test_tool_with_progress", "Sends progress notifications while running", noArgs],
  ["test_error_handling", "Always fails with a tool error", noArgs],
  ["test_sampling", "Asks the client for an LLM completion",
    { type: "object", properties: { prompt: { type: "string" } }, required: ["prompt"] }],
  ["test_elicitation", "Asks the user for input",
    { type: "object", properties: { message: { type: "string" } }, required: ["message"] }],
  ["test_elicitation_sep1034_defaults", "Elicitation with defaults for every primitive type", noArgs],
  ["test_elicitation_sep1330_enums", "Elicitation with every enum schema variant", noArgs],
  ["json_schema_2020_12_tool", "A JSON Schema 2020-12 input schema", {
    $schema: "https://json-schema.org/draft/2020-12/schema", type: "object",
    $defs: { address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" } } } },
    properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
    additionalProperties: false,
  }],
].map(([name, description, inputSchema]) => ({ name, description, inputSchema }));

const sep1034 = {
  type: "object", required: [], properties: {
    name: { type: "string", description: "Name", default: "John Doe" },
    age: { type: "integer", description: "Age", default: 30 },
    score: { type: "number", description: "Score", default: 95.5 },
    status: { type: "string", description: "Status", enum: ["active", "inactive", "pending"], default: "active" },
    verified: { type: "boolean", description: "Verified", default: true },
  },
};
const sep1330 = {
  type: "object", required: [], properties: {
    untitledSingle: { type: "string", enum: ["option1", "option2", "option3"] },
    titledSingle: { type: "string", oneOf: [
      { const: "value1", title: "First Option" }, { const: "value2", title: "Second Option" },
      { const: "value3", title: "Third Option" }] },
    legacyEnum: { type: "string", enum: ["opt1", "opt2", "opt3"], enumNames: ["Option One", "Option Two", "Option Three"] },
    untitledMulti: { type: "array", minItems: 1, maxItems: 3, items: { type: "string", enum: ["option1", "option2", "option3"] } },
    titledMulti: { type: "array", minItems: 1, maxItems: 3, items: { anyOf: [
      { const: "value1", title: "First Choice" }, { const: "value2", title: "Second Choice" },
      { const: "value3", title: "Third Choice" }] } },
  },
};

async function callTool(req, extra) {
  const args = req.params.arguments ?? {};
  const log = (data) => extra.sendNotification({ method: "notifications/message", params: { level: "info", data } });
  switch (req.params.name) {
    case "test_simple_text": return text("This is a simple text response for testing.");
    case "test_image_content": return { content: [{ type: "image", data: PNG, mimeType: "image/png" }] };
    case "test_audio_content": return { content: [{ type: "audio", data: WAV, mimeType: "audio/wav" }] };
    case "test_embedded_resource": return { content: [{ type: "resource", resource: {
      uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } }] };
    case "test_multiple_content_types": return { content: [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: PNG, mimeType: "image/png" },
      { type: "resource", resource: { uri: "test://mixed-content-resource", mimeType: "application/json",
        text: JSON.stringify({ test: "data", value: 123 }) } }] };
    case "test_tool_with_logging":
      for (const m of ["Tool execution started", "Tool processing data", "Tool execution completed"]) {
        await log(m);
        await pause(30);
      }
      return text("Tool with logging executed successfully");
    case "test_tool_with_progress": {
      const token = req.params._meta?.progressToken ?? 0;
      for (const p of [0, 50, 100]) {
        await extra.sendNotification({ method: "notifications/progress",
          params: { progressToken: token, progress: p, total: 100, message: `Completed step ${p} of 100` } });
        await pause(30);
      }
      return text(String(token));
    }
    case "test_error_handling":
      return { isError: true, content: [{ type: "text", text: "This tool intentionally returns an error for testing" }] };
    case "test_sampling": {
      const r = await extra.sendRequest({ method: "sampling/createMessage", params: {
        messages: [{ role: "user", content: { type: "text", text: args.prompt } }], maxTokens: 100 } },
        CreateMessageResultSchema);
      return text(`LLM response: ${r.content?.text ?? "No response"}`);
    }
    case "test_elicitation":
    case "test_elicitation_sep1034_defaults":
    case "test_elicitation_sep1330_enums": {
      const schema = req.params.name === "test_elicitation"
        ? { type: "object", properties: { response: { type: "string", description: "Your response" } }, required: ["response"] }
        : req.params.name.endsWith("defaults") ? sep1034 : sep1330;
      const r = await extra.sendRequest({ method: "elicitation/create", params: {
        mode: "form", message: args.message ?? "Please fill in the form", requestedSchema: schema } }, ElicitResultSchema);
      return text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`);
    }
    case "json_schema_2020_12_tool": return text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`);
    default: throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${req.params.name}`);
  }
}

const staticResources = {
  "test://static-text": { name: "static-text", mimeType: "text/plain", text: "This is the content of the static text resource." },
  "test://static-binary": { name: "static-binary", mimeType: "image/png", blob: PNG },
  "test://watched-resource": { name: "watched-resource", mimeType: "text/plain", text: "Watched resource content" },
};

function readResource(uri) {
  const r = staticResources[uri];
  if (r) {
    const { name, ...content } = r;
    return { contents: [{ uri, ...content }] };
  }
  const m = /^test:\/\/template\/([^/]+)\/data$/.exec(uri);
  if (m) {
    return { contents: [{ uri, mimeType: "application/json",
      text: JSON.stringify({ id: m[1], templateTest: true, data: `Data for ID: ${m[1]}` }) }] };
  }
  throw new McpError(-32002, "Resource not found", { uri });
}

const prompts = [
  { name: "test_simple_prompt", description: "A prompt without arguments" },
  { name: "test_prompt_with_arguments", description: "A prompt with two required arguments",
    arguments: [{ name: "arg1", description: "First argument", required: true },
      { name: "arg2", description: "Second argument", required: true }] },
  { name: "test_prompt_with_embedded_resource", description: "A prompt embedding a resource",
    arguments: [{ name: "resourceUri", description: "URI to embed", required: true }] },
  { name: "test_prompt_with_image", description: "A prompt with an image" },
];

function getPrompt({ name, arguments: a = {} }) {
  const user = (content) => ({ role: "user", content });
  switch (name) {
    case "test_simple_prompt":
      return { messages: [user({ type: "text", text: "This is a simple prompt for testing." })] };
    case "test_prompt_with_arguments":
      return { messages: [user({ type: "text", text: `Prompt with arguments: arg1='${a.arg1}', arg2='${a.arg2}'` })] };
    case "test_prompt_with_embedded_resource":
      return { messages: [
        user({ type: "resource", resource: { uri: a.resourceUri, mimeType: "text/plain", text: "Embedded resource content for testing." } }),
        user({ type: "text", text: "Please process the embedded resource above." })] };
    case "test_prompt_with_image":
      return { messages: [user({ type: "image", data: PNG, mimeType: "image/png" }),
        user({ type: "text", text: "Please analyze the image above." })] };
    default: throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
  }
}

function newServer() {
  const s = new Server({ name: "portcullis-conformance-upstream", version: "1.0.0" }, { capabilities: {
    tools: { listChanged: true }, resources: { subscribe: true, listChanged: true },
    prompts: { listChanged: true }, logging: {}, completions: {} } });
  s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  s.setRequestHandler(CallToolRequestSchema, callTool);
  s.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: Object.entries(staticResources)
    .map(([uri, r]) => ({ uri, name: r.name, mimeType: r.mimeType })) }));
  s.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [
    { uriTemplate: "test://template/{id}/data", name: "template", mimeType: "application/json" }] }));
  s.setRequestHandler(ReadResourceRequestSchema, async (req) => readResource(req.params.uri));
  s.setRequestHandler(SubscribeRequestSchema, async () => ({}));
  s.setRequestHandler(UnsubscribeRequestSchema, async () => ({}));
  s.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts }));
  s.setRequestHandler(GetPromptRequestSchema, async (req) => getPrompt(req.params));
  s.setRequestHandler(CompleteRequestSchema, async () => ({ completion: { values: [], total: 0, hasMore: false } }));
  s.setRequestHandler(SetLevelRequestSchema, async () => ({}));
  return s;
}

const sessions = new Map();

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const s = Buffer.concat(chunks).toString("utf8");
  return s ? JSON.parse(s) : undefined;
}

http.createServer(async (req, res) => {
  try {
    const sid = req.headers["mcp-session-id"];
    const parsed = req.method === "POST" ? await body(req) : undefined;
    let transport = sid ? sessions.get(sid) : undefined;
    if (!transport && !sid && parsed?.method === "initialize") {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
      await newServer().connect(transport);
    }
    if (!transport) {
      res.writeHead(sid ? 404 : 400, { "content-type": "application/json" })
        .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Invalid or missing session" }, id: null }));
      return;
    }
    await transport.handleRequest(req, res, parsed);
  } catch (e) {
    if (!res.headersSent) res.writeHead(400).end(String(e.message));
  }
}).listen(Number(process.env.PORT ?? 3101), "127.0.0.1", () => console.error("conformance upstream ready"));

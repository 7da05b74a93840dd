// The official OpenAI Node SDK's Responses API with an "mcp" tool whose calls the client approves:
// an approval round trip (approve and refuse), a kept tool run retrieved and continued, and the
// event stream of an approved call. Usage: node responses-mcp-approval.mjs <base-url> <gateway-key>
// <model> <mcp-server-url>; prints one JSON summary line.
import OpenAI from "openai";

const [baseURL, apiKey, model, serverUrl] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const tools = [{ type: "mcp", server_label: "gateway", server_url: serverUrl, allowed_tools: ["demo__echo"],
  require_approval: "always" }];
const summary = (r) => ({ id: r.id, status: r.status, text: r.output_text, output: r.output });
const approvalOf = (r) => r.output.find((i) => i.type === "mcp_approval_request");
const out = {};
try {
  const asked = await client.responses.create({ model, tools, input: 'call demo__echo with {"text":"sdk"}' });
  out.asked = summary(asked);
  const approved = await client.responses.create({ model, tools, previous_response_id: asked.id,
    input: [{ type: "mcp_approval_response", approval_request_id: approvalOf(asked).id, approve: true }] });
  out.approved = summary(approved);

  const again = await client.responses.create({ model, tools, input: 'call demo__echo with {"text":"no"}' });
  const refused = await client.responses.create({ model, tools, previous_response_id: again.id,
    input: [{ type: "mcp_approval_response", approval_request_id: approvalOf(again).id, approve: false,
      reason: "not now" }] });
  out.refused = summary(refused);

  const retrieved = await client.responses.retrieve(approved.id);
  out.retrieved = summary(retrieved);
  const continued = await client.responses.create({ model, previous_response_id: approved.id,
    tools: [{ ...tools[0], require_approval: "never" }], input: 'call demo__echo with {"text":"again"}' });
  out.continued = summary(continued);

  const toStream = await client.responses.create({ model, tools, input: 'call demo__echo with {"text":"live"}' });
  const stream = await client.responses.create({ model, tools, stream: true, previous_response_id: toStream.id,
    input: [{ type: "mcp_approval_response", approval_request_id: approvalOf(toStream).id, approve: true }] });
  const types = [];
  const sequence = [];
  const indexes = [];
  let id;
  let completed;
  for await (const event of stream) {
    types.push(event.type);
    sequence.push(event.sequence_number);
    if (event.output_index !== undefined) indexes.push(event.output_index);
    if (event.type === "response.created") id = event.response.id;
    if (event.type === "response.completed") completed = event.response;
  }
  out.stream = { types, sequence, indexes, id, output_id: completed?.id, output: completed?.output,
    asked: approvalOf(toStream).id };
} catch (e) {
  out.error = String(e?.stack || e);
}
console.log(JSON.stringify(out));

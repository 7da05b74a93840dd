// The official OpenAI Node SDK's Responses API through the gateway.
// Usage: node responses-client.mjs <base-url> <gateway-key> <model> <tools: yes|no>; prints one JSON summary line.
import OpenAI from "openai";

const [baseURL, apiKey, model, tools] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const out = {};
try {
  const plain = await client.responses.create({ model, instructions: "Be brief.", input: "Hello from Node" });
  out.plain = { id: plain.id, status: plain.status, text: plain.output_text, usage: plain.usage };

  const stream = await client.responses.create({ model, input: "Stream to Node", stream: true });
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
  out.stream = { types, sequence, deltas, finalText: completed?.output?.[0]?.content?.[0]?.text, id: completed?.id };

  const next = await client.responses.create({ model, previous_response_id: plain.id, input: "And again" });
  out.continued = { previous: next.previous_response_id, text: next.output_text };

  if (tools === "yes") {
    const called = await client.responses.create({
      model,
      input: "Weather in Oslo?",
      tools: [{ type: "function", name: "get_weather", description: "Weather of a city", strict: false,
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
    });
    const call = called.output.find((i) => i.type === "function_call");
    const answered = await client.responses.create({
      model, previous_response_id: called.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: "snow, -3 C" }],
    });
    out.tools = { call: { name: call.name, arguments: JSON.parse(call.arguments) }, answer: answered.output_text };

    const toolStream = await client.responses.create({
      model, input: "Weather in Rome?", stream: true,
      tools: [{ type: "function", name: "get_weather", strict: false,
        parameters: { type: "object", properties: { city: { type: "string" } } } }],
    });
    const toolTypes = [];
    let args = "";
    for await (const event of toolStream) {
      toolTypes.push(event.type);
      if (event.type === "response.function_call_arguments.done") args = event.arguments;
    }
    out.toolStream = { types: toolTypes, arguments: args };

    const counted = await client.responses.inputTokens.count({ model, input: "How many tokens is this?" });
    out.inputTokens = counted.input_tokens;
  }

  const items = [];
  for await (const item of client.responses.inputItems.list(next.id, { order: "asc" })) items.push(item.type);
  out.inputItems = items;

  const retrieved = await client.responses.retrieve(plain.id);
  out.retrieved = { id: retrieved.id, text: retrieved.output_text };
  await client.responses.delete(plain.id);
  try {
    await client.responses.retrieve(plain.id);
    out.afterDelete = "still there";
  } catch (e) {
    out.afterDelete = e.status;
  }
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));

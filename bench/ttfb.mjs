// Streaming time to first data byte: one keep-alive connection sends streamed chat completions
// one after another and timestamps, for each, the first byte of the response body (the first SSE
// event), from the moment the request is written. Warms up first, then measures for the given
// seconds and prints "NAME p50 p99 count" (ms). Any answer that is not a whole 200 event stream
// ending in [DONE] fails the run (exit 1), so a broken target cannot pass for a fast one.
//   node bench/ttfb.mjs NAME URL SECONDS [Header:value ...]
import http from 'node:http';

const [name, url, secondsArg, ...headerArgs] = process.argv.slice(2);
if (!name || !url || !secondsArg) {
  console.error('usage: node bench/ttfb.mjs NAME URL SECONDS [Header:value ...]');
  process.exit(2);
}
const seconds = Number(secondsArg);
const warmSeconds = Number(process.env.BENCH_WARM_SECONDS ?? 5);
const body = JSON.stringify({
  model: 'bench', stream: true, max_tokens: 64,
  messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say hello to the benchmark.' }],
});
const headers = {
  'Content-Type': 'application/json',
  'Content-Length': Buffer.byteLength(body),
  Authorization: `Bearer ${process.env.BENCH_KEY ?? 'bench-key'}`,
};
for (const h of headerArgs) {
  const i = h.indexOf(':');
  headers[h.slice(0, i)] = h.slice(i + 1);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One streamed request: resolves with nanoseconds to the first body byte. */
function once() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let first = 0n;
    const chunks = [];
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      res.on('data', (c) => {
        if (first === 0n) first = process.hrtime.bigint();
        chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')
            || !text.startsWith('data: ') || !text.trimEnd().endsWith('data: [DONE]')) {
          reject(new Error(`${name}: not a whole event stream (HTTP ${res.statusCode}): ${text.slice(0, 200)}`));
        } else {
          resolve(Number(first - start));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function runFor(s, samples) {
  const end = process.hrtime.bigint() + BigInt(Math.round(s * 1e9));
  while (process.hrtime.bigint() < end) {
    const ns = await once();
    if (samples) samples.push(ns);
  }
}

try {
  await runFor(warmSeconds, null);
  const samples = [];
  await runFor(seconds, samples);
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] / 1e6;
  console.log(`${name} ${at(0.5).toFixed(3)} ${at(0.99).toFixed(3)} ${samples.length}`);
} catch (e) {
  console.error(e.message);
  console.log(`${name} failed failed 0`);
  process.exitCode = 1;
} finally {
  agent.destroy();
}

// Adds the gateway key to every request, for clients that cannot send headers (the conformance CLI).
// Usage: node auth-proxy.mjs <listen-port> <gateway-origin> <key>
import http from "node:http";

const [port, target, key] = process.argv.slice(2);
const origin = new URL(target);
http.createServer((req, res) => {
  const up = http.request({
    host: origin.hostname, port: origin.port, method: req.method, path: req.url,
    headers: { ...req.headers, authorization: `Bearer ${key}` },
  }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on("error", () => { if (!res.headersSent) res.writeHead(502); res.end(); });
  res.on("close", () => up.destroy());
  req.pipe(up);
}).listen(Number(port), "127.0.0.1", () => console.error("auth proxy ready"));

// The official MCP TypeScript SDK v1 client's OAuth support against the gateway's built-in
// authorization server: discovery (RFC 9728 + RFC 8414), dynamic registration, PKCE authorization,
// token, MCP calls, refresh. The "browser" is scripted: it follows the redirects by hand (the
// upstream mock IdP logs the user in without a form), keeps the gateway's cookies and submits the
// consent form. Prints one JSON summary line.
// Usage: node oauth-client-v1.mjs <mcp-url>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, auth } from "@modelcontextprotocol/sdk/client/auth.js";

const [url] = process.argv.slice(2);
const gateway = new URL(url).origin;
const redirectUrl = "http://127.0.0.1:33999/oauth/callback";
const out = {};

class MemoryProvider {
  constructor() { this.store = {}; }
  get redirectUrl() { return redirectUrl; }
  get clientMetadata() {
    return {
      client_name: "SDK v1 test client",
      redirect_uris: [redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() { return "sdk-state-" + Math.random().toString(36).slice(2); }
  clientInformation() { return this.store.client; }
  saveClientInformation(c) { this.store.client = c; }
  tokens() { return this.store.tokens; }
  saveTokens(t) { this.store.tokens = t; }
  saveCodeVerifier(v) { this.store.verifier = v; }
  codeVerifier() { return this.store.verifier; }
  async redirectToAuthorization(authorizationUrl) { this.store.authorizationUrl = authorizationUrl; }
}

// The scripted browser: returns the authorization code the gateway sends back to redirectUrl.
async function browse(start) {
  const jar = new Map();
  const go = async (u, init = {}) => {
    const headers = { ...(init.headers ?? {}) };
    if (u.startsWith(gateway) && jar.size) {
      headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    }
    const r = await fetch(u, { ...init, headers, redirect: "manual" });
    if (u.startsWith(gateway)) {
      for (const c of r.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const i = pair.indexOf("=");
        if (/Max-Age=0/.test(c)) jar.delete(pair.slice(0, i)); else jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
    }
    return r;
  };
  let r = await go(start.toString());
  let steps = 0;
  while (r.status === 302 && steps++ < 5) {
    const next = r.headers.get("location");
    if (next.startsWith(redirectUrl)) {
      const back = new URL(next);
      out.redirectIss = back.searchParams.get("iss");
      return back.searchParams.get("code");
    }
    r = await go(next);
    if (r.status === 200) {
      const html = await r.text();
      out.consentShown = html.includes("SDK v1 test client");
      const field = (n) => html.match(new RegExp(`name="${n}" value="([^"]+)"`))[1];
      r = await go(`${gateway}/oauth/consent`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ consent: field("consent"), csrf: field("csrf"), decision: "approve" }).toString(),
      });
    }
  }
  throw new Error(`the browser got stuck at HTTP ${r.status}: ${await r.text()}`);
}

const provider = new MemoryProvider();
try {
  const first = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const c1 = new Client({ name: "portcullis-oauth-v1", version: "1.0.0" });
  try {
    await c1.connect(first);
    out.unexpected = "connected without a login";
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    out.redirected = true;
  }
  out.registered = (provider.store.client?.client_id ?? "").startsWith("pc_");
  const code = await browse(provider.store.authorizationUrl);
  await first.finishAuth(code);
  out.tokenType = provider.store.tokens?.token_type;

  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: "portcullis-oauth-v1", version: "1.0.0" });
  await client.connect(transport);
  out.tools = (await client.listTools()).tools.length;
  out.echo = (await client.callTool({ name: "demo__echo", arguments: { text: "with a gateway token" } }))
    .content?.[0]?.text;
  await transport.terminateSession().catch(() => {});
  await client.close();

  const before = provider.store.tokens.access_token;
  out.refresh = await auth(provider, { serverUrl: new URL(url) });
  out.refreshedNewToken = provider.store.tokens.access_token !== before;
  const again = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const c3 = new Client({ name: "portcullis-oauth-v1", version: "1.0.0" });
  await c3.connect(again);
  out.afterRefreshTools = (await c3.listTools()).tools.length;
  await c3.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));

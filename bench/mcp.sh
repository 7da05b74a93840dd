#!/usr/bin/env bash
# MCP load benchmark: the same tools/call sent straight to an MCP server and through the gateway
# to that server, in one run, at concurrency 1 and 64. The upstream is the TypeScript SDK v2
# test server (src/test/node/server-v2.mjs, Streamable HTTP, protocol 2026-07-28); requests are
# stateless, so wrk can repeat one request. A third measurement sends the call as a legacy
# (2025-11-25, session-based) client through the gateway, which translates between the eras.
# Prints a Markdown table for BENCHMARKS.md. Everything listens on 127.0.0.1 only.
#   bench/mcp.sh                    # 10 s per measurement
#   BENCH_SECONDS=30 bench/mcp.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need_wrk
bench_need_node
[ -d src/test/node/node_modules/@modelcontextprotocol/server ] || (cd src/test/node && npm ci)
bench_need_jar
export PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-WARN}"

bench_start mcp-upstream 19190 bash -c 'cd src/test/node && PORT=19190 exec node server-v2.mjs http'
bench_start mcp-gateway 18090 java -jar target/portcullis.jar serve --config bench/mcp-gateway.yaml \
  --event-loops "${GATEWAY_EVENT_LOOPS:-1}"
bench_wait mcp-upstream http://127.0.0.1:19190/mcp
bench_wait mcp-gateway http://127.0.0.1:18090/healthz

direct=http://127.0.0.1:19190/mcp
gateway=http://127.0.0.1:18090/mcp
# a legacy session for the third measurement
session=$(curl -s -D - -o /dev/null "$gateway" -H 'Authorization: Bearer bench-key' \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' \
  | awk -F': ' 'tolower($1)=="mcp-session-id" {gsub("\r",""); print $2}')
[ -n "$session" ] || { echo "could not open a legacy session on the gateway" >&2; exit 1; }

# Warm the JITs (and check that every path answers) before measuring.
MCP_TOOL=echo bench_warm "$direct" bench/mcp-call.lua
MCP_TOOL=modh__echo bench_warm "$gateway" bench/mcp-call.lua
MCP_TOOL=modh__echo MCP_SESSION="$session" bench_warm "$gateway" bench/mcp-call.lua

# any failed request fails the run
results=$(
  MCP_TOOL=echo bench_wrk direct-c1 "$direct" 1 bench/mcp-call.lua
  MCP_TOOL=modh__echo bench_wrk gateway-c1 "$gateway" 1 bench/mcp-call.lua
  MCP_TOOL=modh__echo MCP_SESSION="$session" bench_wrk legacy-c1 "$gateway" 1 bench/mcp-call.lua
  MCP_TOOL=echo bench_wrk direct-c64 "$direct" 64 bench/mcp-call.lua
  MCP_TOOL=modh__echo bench_wrk gateway-c64 "$gateway" 64 bench/mcp-call.lua
  MCP_TOOL=modh__echo MCP_SESSION="$session" bench_wrk legacy-c64 "$gateway" 64 bench/mcp-call.lua
)
echo "$results" | awk '
  { rps[$1] = $2; p50[$1] = $3; p99[$1] = $4 }
  END {
    print "| tools/call | req/s | p50 ms | p99 ms |"
    print "|---|---:|---:|---:|"
    split("direct-c1 gateway-c1 legacy-c1 direct-c64 gateway-c64 legacy-c64", order, " ")
    for (i = 1; i <= 6; i++) { n = order[i]; printf "| %s | %d | %.3f | %.3f |\n", n, rps[n], p50[n], p99[n] }
    printf "\nadded p50 at c=1: %.3f ms (legacy client: %.3f ms); throughput at c=64: %.1f%% of direct\n",
      p50["gateway-c1"] - p50["direct-c1"], p50["legacy-c1"] - p50["direct-c1"], 100 * rps["gateway-c64"] / rps["direct-c64"]
  }'

#!/usr/bin/env bash
# MCP load benchmark: the same tools/call sent straight to an MCP server and through the gateway
# to that server, in one run, at concurrency 1 and 64. The upstream is the TypeScript SDK v2
# test server (src/test/node/server-v2.mjs, Streamable HTTP, protocol 2026-07-28); requests are
# stateless, so wrk can repeat one request. A third measurement sends the call as a legacy
# (2025-11-25, session-based) client through the gateway, which translates between the eras.
# Prints a Markdown table for BENCHMARKS.md. Everything listens on 127.0.0.1 only.
#   bench/mcp.sh            # 10 s per measurement
#   DURATION=30 bench/mcp.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
duration="${DURATION:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
command -v node >/dev/null || { echo "node is needed (the upstream is a Node MCP server)" >&2; exit 1; }
[ -d src/test/node/node_modules/@modelcontextprotocol/server ] || (cd src/test/node && npm ci)
[ -f target/portcullis.jar ] || mvn -q -B -DskipTests package
out="bench/results"; mkdir -p "$out"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

(cd src/test/node && PORT=19190 exec node server-v2.mjs http) > "$out/mcp-upstream.log" 2>&1 &
pids+=($!)
PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-WARN}" java -jar target/portcullis.jar serve \
  --config bench/mcp-gateway.yaml --event-loops "${GATEWAY_EVENT_LOOPS:-1}" > "$out/mcp-gateway.log" 2>&1 &
pids+=($!)
for url in http://127.0.0.1:19190/mcp http://127.0.0.1:18090/healthz; do
  for _ in $(seq 100); do curl -s -o /dev/null "$url" && break; sleep 0.2; done
done

direct=http://127.0.0.1:19190/mcp
gateway=http://127.0.0.1:18090/mcp
# a legacy session for the third measurement
session=$(curl -s -D - -o /dev/null "$gateway" -H 'Authorization: Bearer bench-key' \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' \
  | awk -F': ' 'tolower($1)=="mcp-session-id" {gsub("\r",""); print $2}')
[ -n "$session" ] || { echo "could not open a legacy session on the gateway" >&2; exit 1; }

# run NAME URL CONNECTIONS THREADS TOOL [SESSION] -> "name rps p50 p99" (ms); any error fails the run
run() {
  local name=$1 url=$2 c=$3 t=$4 tool=$5 sid=${6:-}
  if [ -n "$sid" ]; then
    MCP_TOOL="$tool" MCP_SESSION="$sid" wrk -t"$t" -c"$c" -d"${duration}s" --latency -s bench/mcp-call.lua "$url" > "$out/mcp-$name.txt"
  else
    MCP_TOOL="$tool" wrk -t"$t" -c"$c" -d"${duration}s" --latency -s bench/mcp-call.lua "$url" > "$out/mcp-$name.txt"
  fi
  if grep -q 'Non-2xx\|Socket errors' "$out/mcp-$name.txt"; then
    echo "$name: some requests failed, see $out/mcp-$name.txt" >&2; exit 1
  fi
  awk -v name="$name" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    END { printf "%s %.0f %.3f %.3f\n", name, rps, p50, p99 }' "$out/mcp-$name.txt"
}

# Warm the JITs (and check that every path answers) before measuring.
MCP_TOOL=echo wrk -t1 -c8 -d5s -s bench/mcp-call.lua "$direct" > /dev/null
MCP_TOOL=modh__echo wrk -t1 -c8 -d5s -s bench/mcp-call.lua "$gateway" > /dev/null
MCP_TOOL=modh__echo MCP_SESSION="$session" wrk -t1 -c8 -d3s -s bench/mcp-call.lua "$gateway" > /dev/null

results=$(
  run direct-c1 "$direct" 1 1 echo
  run gateway-c1 "$gateway" 1 1 modh__echo
  run legacy-c1 "$gateway" 1 1 modh__echo "$session"
  run direct-c64 "$direct" 64 2 echo
  run gateway-c64 "$gateway" 64 2 modh__echo
  run legacy-c64 "$gateway" 64 2 modh__echo "$session"
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

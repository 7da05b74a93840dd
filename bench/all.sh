#!/usr/bin/env bash
# One command, one table, one run on one machine: the same small chat completion sent straight
# to the fast local upstream (the built-in demo provider) and through Portcullis plain, governed
# (store, virtual key with RPM/TPM/budget, usage and audit) and guarded (every PII detector,
# pseudonymise, nothing found), the Portkey gateway (npm) on the same upstream as the peer,
# streaming time to first data byte (bench/ttfb.mjs, a keep-alive client), and MCP tools/call
# straight to a Node MCP server and through the gateway. Concurrency 1 (latency) and 64
# (throughput), ratios to the direct row, the issue's targets checked. The machine is shared:
# the load average is printed with the table; prefer the ratios to the absolute numbers.
#   bench/all.sh                  # 10 s per measurement, about 5 minutes
#   BENCH_SECONDS=30 bench/all.sh
# Needs wrk (installed with apt-get when run as root), node and npm, Maven and a JDK 17+.
# The table is also written to bench/results/all.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need_wrk
bench_need_node
bench_need_jar
[ -d bench/node/node_modules/@portkey-ai/gateway ] || (cd bench/node && npm ci --no-audit --no-fund)
[ -d src/test/node/node_modules/@modelcontextprotocol/server ] || (cd src/test/node && npm ci --no-audit --no-fund)
export PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}"
loops="${GATEWAY_EVENT_LOOPS:-1}"
# JVM options for the gateways only, e.g. GATEWAY_JAVA_OPTS='-Xlog:gc:file=bench/results/gc-%p.log'
read -r -a jvm <<< "${GATEWAY_JAVA_OPTS:-}"
load_start=$(bench_load)

upstream=http://127.0.0.1:19090/v1
bench_start upstream 19090 java -jar target/portcullis.jar demo-upstream --port 19090 --event-loops 1
bench_start gateway 18080 java "${jvm[@]}" -jar target/portcullis.jar serve --config bench/gateway.yaml --event-loops "$loops"
bench_start gateway-guard 18082 java "${jvm[@]}" -jar target/portcullis.jar serve --config bench/gateway-guard.yaml --event-loops "$loops"
rm -f "$bench_out"/bench.db*
vkey=$(java -jar target/portcullis.jar keys create --config bench/gateway-keys.yaml --name bench \
  --rpm 100000000 --tpm 100000000000 --budget 1000000 --period monthly 2>/dev/null)
[ -n "$vkey" ] || { echo "could not create the benchmark's virtual key" >&2; exit 1; }
bench_start gateway-keys 18081 java "${jvm[@]}" -jar target/portcullis.jar serve --config bench/gateway-keys.yaml --event-loops "$loops"
bench_start mcp-upstream 19190 bash -c 'cd src/test/node && PORT=19190 exec node server-v2.mjs http'
bench_start mcp-gateway 18090 java "${jvm[@]}" -jar target/portcullis.jar serve --config bench/mcp-gateway.yaml --event-loops "$loops"
# Portkey listens on every interface (it has no host option); it is only reached on loopback.
bench_start portkey 18787 node bench/node/node_modules/@portkey-ai/gateway/build/start-server.js --port=18787 --headless
bench_wait upstream $upstream/models
for p in 18080:gateway 18081:gateway-keys 18082:gateway-guard 18090:mcp-gateway; do
  bench_wait "${p#*:}" "http://127.0.0.1:${p%%:*}/healthz"
done
bench_wait mcp-upstream http://127.0.0.1:19190/mcp
bench_wait portkey http://127.0.0.1:18787/

# NAME URL LUA-SCRIPT KEY [extra environment for the script]
targets=(
  "direct $upstream/chat/completions bench/chat.lua bench-key"
  "plain http://127.0.0.1:18080/v1/chat/completions bench/chat.lua bench-key"
  "governed http://127.0.0.1:18081/v1/chat/completions bench/chat.lua $vkey"
  "guarded http://127.0.0.1:18082/v1/chat/completions bench/chat.lua bench-key"
  "portkey http://127.0.0.1:18787/v1/chat/completions bench/chat.lua upstream-secret PORTKEY_CUSTOM_HOST=$upstream"
  "mcp-direct http://127.0.0.1:19190/mcp bench/mcp-call.lua bench-key MCP_TOOL=echo"
  "mcp-gateway http://127.0.0.1:18090/mcp bench/mcp-call.lua bench-key MCP_TOOL=modh__echo"
)
failed=" "

# check NAME URL SCRIPT KEY [ENV]: one request as wrk will send it, answered 200 with the right
# body (a chat completion, a tools/call result), else the target is marked failed.
check() {
  local name=$1 url=$2 script=$3 key=$4 envs=${5:-}
  local args=(-s -o "$bench_out/check-$name.txt" -w '%{http_code}' "$url" -H 'Content-Type: application/json'
    -H "Authorization: Bearer $key")
  local expect='"object":"chat.completion"'
  if [ "$script" = bench/mcp-call.lua ]; then
    local tool=${envs#MCP_TOOL=}
    args+=(-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28'
      -H 'Mcp-Method: tools/call' -H "Mcp-Name: $tool"
      -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"'"$tool"'","arguments":{"text":"benchmark"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"check","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}')
    expect='"result"'
  else
    [ -z "$envs" ] || args+=(-H 'x-portkey-provider: openai' -H "x-portkey-custom-host: ${envs#PORTKEY_CUSTOM_HOST=}")
    args+=(-d '{"model":"bench","messages":[{"role":"user","content":"Say hello to the benchmark."}],"max_tokens":64}')
  fi
  local status
  status=$(curl "${args[@]}" || true)
  if [ "$status" != 200 ] || ! grep -q "$expect" "$bench_out/check-$name.txt"; then
    echo "$name does not answer as it should (HTTP $status, see $bench_out/check-$name.txt); marked failed" >&2
    failed+="$name "
  fi
}

# with_env KEY ENVS COMMAND...: runs COMMAND (a function too) with BENCH_KEY and the target's variable set.
with_env() {
  local key=$1 envs=$2
  shift 2
  ( export BENCH_KEY="$key"; [ -z "$envs" ] || export "${envs?}"; "$@" )
}

for t in "${targets[@]}"; do
  read -r name url script key envs <<< "$t"
  check "$name" "$url" "$script" "$key" "$envs"
done
# Warm the JITs (every target, before any is measured).
for t in "${targets[@]}"; do
  read -r name url script key envs <<< "$t"
  [[ "$failed" == *" $name "* ]] || with_env "$key" "$envs" bench_warm "$url" "$script" || failed+="$name "
done

results="$bench_out/all-results.txt"
: > "$results"
for c in 1 64; do
  for t in "${targets[@]}"; do
    read -r name url script key envs <<< "$t"
    if [[ "$failed" == *" $name "* ]]; then
      echo "$name-c$c failed failed failed" >> "$results"
    else
      with_env "$key" "$envs" bench_wrk "$name-c$c" "$url" "$c" "$script" >> "$results" || true
    fi
  done
done
# Streaming time to first data byte, one keep-alive connection each.
{
  node bench/ttfb.mjs ttfb-direct "$upstream/chat/completions" "$bench_seconds" || true
  node bench/ttfb.mjs ttfb-plain http://127.0.0.1:18080/v1/chat/completions "$bench_seconds" || true
  BENCH_KEY=upstream-secret node bench/ttfb.mjs ttfb-portkey http://127.0.0.1:18787/v1/chat/completions \
    "$bench_seconds" x-portkey-provider:openai "x-portkey-custom-host:$upstream" || true
} >> "$results"
load_end=$(bench_load)

awk -v seconds="$bench_seconds" -v load_start="$load_start" -v load_end="$load_end" \
    -v loops="$loops" -v nproc="$(nproc)" -v commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')" '
  NF == 4 && $1 !~ /^ttfb-/ { split($1, a, "-c"); k = a[1]; c = a[2]; rps[k, c] = $2; p50[k, c] = $3; p99[k, c] = $4 }
  $1 ~ /^ttfb-/ { t50[$1] = $2; t99[$1] = $3 }
  function ok(v) { return v != "" && v != "failed" }
  function num(v, f) { return ok(v) ? sprintf(f, v) : "failed" }
  function added(a, b) { return ok(a) && ok(b) ? sprintf("%+.3f", a - b) : "failed" }
  function pct(a, b) { return ok(a) && ok(b) && b > 0 ? sprintf("%.1f %%", 100 * a / b) : "failed" }
  function row(label, k, ref) {
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", label, num(p50[k, 1], "%.3f"), num(p99[k, 1], "%.3f"),
      k == ref ? "0" : added(p50[k, 1], p50[ref, 1]), num(rps[k, 64], "%d"), num(p99[k, 64], "%.3f"),
      k == ref ? "100 %" : pct(rps[k, 64], rps[ref, 64])
  }
  function trow(label, k) {
    printf "| %s | %s | %s | %s | – | – | – |\n", label, num(t50[k], "%.3f"), num(t99[k], "%.3f"),
      k == "ttfb-direct" ? "0" : added(t50[k], t50["ttfb-direct"])
  }
  function target(what, value, goal, met) { printf "- %s: **%s** (target %s): %s\n", what, value, goal, met }
  END {
    printf "%d s per measurement, commit %s, %d cores, %d event loop(s) per gateway; load average %s at start, %s at end\n\n",
      seconds, commit, nproc, loops, load_start, load_end
    print "| row | c=1 p50 ms | c=1 p99 ms | added p50 ms | c=64 req/s | c=64 p99 ms | c=64 vs direct |"
    print "|---|---:|---:|---:|---:|---:|---:|"
    row("direct (demo upstream)", "direct", "direct")
    row("Portcullis plain", "plain", "direct")
    row("Portcullis governed (store, key, limits, budget, audit)", "governed", "direct")
    row("Portcullis guarded (PII guard, nothing found)", "guarded", "direct")
    row("Portkey gateway (npm)", "portkey", "direct")
    trow("streaming TTFB direct", "ttfb-direct")
    trow("streaming TTFB Portcullis plain", "ttfb-plain")
    trow("streaming TTFB Portkey", "ttfb-portkey")
    row("MCP tools/call direct (Node SDK server)", "mcp-direct", "mcp-direct")
    row("MCP tools/call via Portcullis", "mcp-gateway", "mcp-direct")
    print ""
    r = ok(rps["plain", 64]) && ok(rps["portkey", 64]) && rps["portkey", 64] > 0 ? rps["plain", 64] / rps["portkey", 64] : ""
    target("Throughput at c=64, Portcullis plain vs Portkey", r == "" ? "failed" : sprintf("%.1fx", r), "at least 10x",
      r == "" ? "not measured" : (r >= 10 ? "met" : "not met"))
    r = ok(rps["plain", 64]) && ok(rps["direct", 64]) ? 100 * rps["plain", 64] / rps["direct", 64] : ""
    target("Throughput at c=64, Portcullis plain vs direct", r == "" ? "failed" : sprintf("%.1f %%", r), "at least 50 %",
      r == "" ? "not measured" : (r >= 50 ? "met" : "not met"))
    r = ok(p50["plain", 1]) && ok(p50["direct", 1]) ? p50["plain", 1] - p50["direct", 1] : ""
    target("Added p50 at c=1, Portcullis plain", r == "" ? "failed" : sprintf("%.3f ms", r), "at most 0.1 ms",
      r == "" ? "not measured" : (r <= 0.1 ? "met" : "not met"))
    r = ok(t50["ttfb-plain"]) && ok(t50["ttfb-direct"]) ? t50["ttfb-plain"] - t50["ttfb-direct"] : ""
    target("Added streaming TTFB p50, Portcullis plain", r == "" ? "failed" : sprintf("%.3f ms", r), "at most 0.2 ms",
      r == "" ? "not measured" : (r <= 0.2 ? "met" : "not met"))
  }' "$results" | tee "$bench_out/all.md"

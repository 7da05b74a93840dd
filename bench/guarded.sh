#!/usr/bin/env bash
# Guard cost on the LLM path: the same wrk load through the plain gateway (bench/gateway.yaml)
# and through the gateway with a pseudonymise rule on requests and responses
# (bench/gateway-guard.yaml), both to the built-in demo upstream, in one run, at concurrency 1
# and 64. The guarded gateway is measured twice: with a request without personal data (the
# guard scans, finds nothing) and with one carrying an e-mail address and an IBAN (pseudonymised
# upstream; the demo echoes them, so the answer is restored and scanned too). Prints a Markdown
# table for BENCHMARKS.md.
#   bench/guarded.sh                    # 10 s per measurement
#   BENCH_SECONDS=30 bench/guarded.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need_wrk
bench_need_jar
export PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}"
loops="${GATEWAY_EVENT_LOOPS:-1}"

bench_start upstream 19090 java -jar target/portcullis.jar demo-upstream --port 19090 --event-loops 1
bench_start gateway 18080 java -jar target/portcullis.jar serve --config bench/gateway.yaml --event-loops "$loops"
bench_start gateway-guard 18082 java -jar target/portcullis.jar serve --config bench/gateway-guard.yaml --event-loops "$loops"
bench_wait upstream http://127.0.0.1:19090/v1/models
bench_wait gateway http://127.0.0.1:18080/healthz
bench_wait gateway-guard http://127.0.0.1:18082/healthz

gateway=http://127.0.0.1:18080/v1/chat/completions
guarded=http://127.0.0.1:18082/v1/chat/completions
bench_warm "$gateway" bench/chat.lua
bench_warm "$guarded" bench/chat.lua
bench_warm "$guarded" bench/chat-pii.lua

# any failed request fails the run
results=$(
  bench_wrk gateway-c1 "$gateway" 1 bench/chat.lua
  bench_wrk guarded-c1 "$guarded" 1 bench/chat.lua
  bench_wrk guarded-pii-c1 "$guarded" 1 bench/chat-pii.lua
  bench_wrk gateway-c64 "$gateway" 64 bench/chat.lua
  bench_wrk guarded-c64 "$guarded" 64 bench/chat.lua
  bench_wrk guarded-pii-c64 "$guarded" 64 bench/chat-pii.lua
)
echo "$results" | awk '
  { rps[$1] = $2; p50[$1] = $3; p99[$1] = $4 }
  END {
    print "| measurement | req/s | p50 ms | p99 ms |"
    print "|---|---:|---:|---:|"
    split("gateway-c1 guarded-c1 guarded-pii-c1 gateway-c64 guarded-c64 guarded-pii-c64", order, " ")
    for (i = 1; i <= 6; i++) { n = order[i]; printf "| %s | %d | %.3f | %.3f |\n", n, rps[n], p50[n], p99[n] }
    printf "\nguard on, nothing found: added p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of the unguarded gateway\n",
      p50["guarded-c1"] - p50["gateway-c1"], 100 * rps["guarded-c64"] / rps["gateway-c64"]
    printf "guard on, e-mail and IBAN pseudonymised: added p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of the unguarded gateway\n",
      p50["guarded-pii-c1"] - p50["gateway-c1"], 100 * rps["guarded-pii-c64"] / rps["gateway-c64"]
  }'

#!/usr/bin/env bash
# Load benchmark: the same wrk load sent straight to a fast local upstream (the built-in demo
# provider) and through the gateway to that upstream, in one run, at concurrency 1 and 64.
# A second gateway runs with governance on (virtual key check, RPM/TPM buckets, budget
# reservation and settlement, batched usage writes to SQLite).
# Prints a Markdown table for BENCHMARKS.md. Everything listens on 127.0.0.1 only.
# bench/all.sh measures these rows and every other one in a single table.
#   bench/run.sh                    # 10 s per measurement
#   BENCH_SECONDS=30 bench/run.sh
#   GATEWAY_JAVA_OPTS= bench/run.sh   # gateways on JVM ergonomics instead of packaging/jvm.options
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need_wrk
bench_need_jar
export PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}"
loops="${GATEWAY_EVENT_LOOPS:-1}"

# The gateways run with the shipped JVM defaults, as bin/portcullis starts them.
read -r -a gateway_jvm <<< "${GATEWAY_JAVA_OPTS-@packaging/jvm.options}"
bench_start upstream 19090 java -jar target/portcullis.jar demo-upstream --port 19090 --event-loops 1
bench_start gateway 18080 java "${gateway_jvm[@]}" -jar target/portcullis.jar serve --config bench/gateway.yaml \
  --event-loops "$loops"
gateway_pid=$!
rm -f "$bench_out"/bench.db*
vkey=$(java -jar target/portcullis.jar keys create --config bench/gateway-keys.yaml --name bench \
  --rpm 100000000 --tpm 100000000000 --budget 1000000 --period monthly 2>/dev/null)
[ -n "$vkey" ] || { echo "could not create the benchmark's virtual key" >&2; exit 1; }
bench_start gateway-keys 18081 java "${gateway_jvm[@]}" -jar target/portcullis.jar serve \
  --config bench/gateway-keys.yaml --event-loops "$loops"
governed_pid=$!
bench_wait upstream http://127.0.0.1:19090/v1/models
bench_wait gateway http://127.0.0.1:18080/healthz
bench_wait gateway-keys http://127.0.0.1:18081/healthz

direct=http://127.0.0.1:19090/v1/chat/completions
gateway=http://127.0.0.1:18080/v1/chat/completions
governed=http://127.0.0.1:18081/v1/chat/completions
bench_warm "$direct" bench/chat.lua
bench_warm "$gateway" bench/chat.lua
BENCH_KEY="$vkey" bench_warm "$governed" bench/chat.lua

# any failed request fails the run
results=$(
  bench_wrk direct-c1 "$direct" 1 bench/chat.lua
  bench_wrk gateway-c1 "$gateway" 1 bench/chat.lua
  bench_wrk direct-c64 "$direct" 64 bench/chat.lua
  bench_wrk gateway-c64 "$gateway" 64 bench/chat.lua
  BENCH_KEY="$vkey" bench_wrk governed-c1 "$governed" 1 bench/chat.lua
  BENCH_KEY="$vkey" bench_wrk governed-c64 "$governed" 64 bench/chat.lua
)
echo "$results" | awk '
  { rps[$1] = $2; p50[$1] = $3; p99[$1] = $4 }
  END {
    print "| measurement | req/s | p50 ms | p99 ms |"
    print "|---|---:|---:|---:|"
    split("direct-c1 gateway-c1 governed-c1 direct-c64 gateway-c64 governed-c64", order, " ")
    for (i = 1; i <= 6; i++) { n = order[i]; printf "| %s | %d | %.3f | %.3f |\n", n, rps[n], p50[n], p99[n] }
    printf "\nadded p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of direct\n",
      p50["gateway-c1"] - p50["direct-c1"], 100 * rps["gateway-c64"] / rps["direct-c64"]
    printf "governance on (key check, limits, budget, usage): added p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of the ungoverned gateway\n",
      p50["governed-c1"] - p50["gateway-c1"], 100 * rps["governed-c64"] / rps["gateway-c64"]
  }'
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
printf "resident memory after the load (JVM options: %s): gateway %s MiB, governed %s MiB\n" \
  "${gateway_jvm[*]:-JVM ergonomics}" "$(rss "$gateway_pid")" "$(rss "$governed_pid")"
